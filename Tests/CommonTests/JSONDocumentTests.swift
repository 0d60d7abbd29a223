import Testing
@testable import Common

@Suite struct JSONDocumentTests {
    func document(_ text: String) throws -> JSONNode { try JSONDocument(parsing: Array(text.utf8)).root }

    @Test func readsNestedMembersWithoutMaterializing() throws {
        let root = try document(#"{"repository": {"full_name": "octo/hello", "id": 9007199254740993}, "sender": {"login": "octocat"}}"#)
        #expect(root["repository"]["full_name"]?.stringValue == "octo/hello")
        #expect(root["repository"]["id"]?.int64Value == 9_007_199_254_740_993)  // beyond 2^53, exact
        #expect(root["sender"]["login"]?.stringValue == "octocat")
        #expect(root["missing"] == nil)
        #expect(root["repository"]["full_name"]["deeper"] == nil)
    }

    @Test func keysWithEscapesAndRepeatedKeys() throws {
        let root = try document(#"{"a\u0062c": 1, "x": 1, "x": 2, "": "empty"}"#)
        #expect(root["abc"]?.int64Value == 1)
        #expect(root["x"]?.int64Value == 2)
        #expect(root[""]?.stringValue == "empty")
        #expect(root.members?.map(\.key) == ["abc", "x", "x", ""])
    }

    @Test func arraysAndSiblingsAfterNestedContainers() throws {
        let root = try document(#"{"commits": [{"id": "a", "files": [[], {}]}, {"id": "b"}], "after": "c"}"#)
        #expect(root["commits"]?.arrayValue?.map { $0["id"]?.stringValue } == ["a", "b"])
        #expect(root["after"]?.stringValue == "c")
    }

    @Test func materializesTheSameTreeAsItParses() throws {
        let text = #"{"s":"a\nb\u00e9\ud83d\ude00","n":-1.5e3,"t":true,"f":false,"z":null,"a":[1,{"k":[]}]}"#
        let value = try JSONParser.parse(text)
        #expect(value["s"]?.stringValue == "a\nbé😀")
        #expect(try JSONParser.parse(value.jsonText) == value)
    }

    /// RFC 3629: overlong forms, surrogates and code points above U+10FFFF are not UTF-8.
    @Test(arguments: [
        [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
        [0x80], [0xC3], [0xE2, 0x82], [0xFF],
    ] as [[UInt8]])
    func refusesWhatIsNotUTF8(bytes: [UInt8]) {
        let document = Array(#"{"s":""#.utf8) + bytes + Array(#""}"#.utf8)
        #expect(throws: JSONParseError.invalidUTF8(offset: 6)) { try JSONDocument(parsing: document) }
    }

    @Test(arguments: [[0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0xEF, 0xBF, 0xBF]] as [[UInt8]])
    func acceptsUTF8(bytes: [UInt8]) throws {
        let document = Array(#"{"s":""#.utf8) + bytes + Array(#""}"#.utf8)
        #expect(try JSONDocument(parsing: document).root["s"]?.stringValue == String(decoding: bytes, as: UTF8.self))
    }
}
