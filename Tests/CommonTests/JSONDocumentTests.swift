import Testing
@testable import Common

@Suite struct JSONDocumentTests {
    func document(_ text: String) throws -> JSONNode { try JSONDocument(parsing: Array(text.utf8)).root }

    /// The word-at-a-time test behind the string scan, against the byte rule, for every byte
    /// value at every position of a word.
    @Test func theWordTestFindsEveryByteThatNeedsALook() {
        for position in 0..<8 {
            for value in 0...255 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 8)
                bytes[position] = UInt8(value)
                let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                let needsLook = value == 0x22 || value == 0x5C || value < 0x20 || value >= 0x80
                #expect(isPlainASCII(word) == !needsLook, "byte \(value) at \(position)")
            }
        }
    }

    /// Strings longer than a word, with the byte that ends the fast path at each offset: the same
    /// contents and the same refusals as byte by byte.
    @Test func longStringsParseTheSameAtEveryAlignment() throws {
        for padding in 0..<9 {
            let prefix = String(repeating: "x", count: padding)
            let root = try document(#"{"k": ""# + prefix + #"abcdefghijklmnop\"q\u00e9ré-stuvwxyz0123456789", "n":         1}"#)
            #expect(root["k"]?.stringValue == prefix + "abcdefghijklmnop\"qéré-stuvwxyz0123456789")
            #expect(root["n"]?.int64Value == 1)
            let start = Array(#"{"k": ""#.utf8) + Array(prefix.utf8) + Array("abcdefghijklmnop".utf8)
            #expect(throws: JSONParseError.self) { try JSONDocument(parsing: start + [0x01] + Array(#"q"}"#.utf8)) }
            #expect(throws: JSONParseError.self) { try JSONDocument(parsing: start + [0xFF] + Array(#"q"}"#.utf8)) }
            #expect(throws: JSONParseError.self) { try JSONDocument(parsing: start) }
        }
    }

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
