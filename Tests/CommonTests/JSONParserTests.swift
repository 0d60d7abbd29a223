import Testing
@testable import Common

@Suite struct JSONParserTests {
    @Test func parsesAnObject() throws {
        let value = try JSONParser.parse(#"{"a": [1, -2.5e3, true, false, null], "b": {"c": "d"}}"#)
        #expect(value["a"]?.arrayValue?.count == 5)
        #expect(value["a"]?.arrayValue?[1].doubleValue == -2500)
        #expect(value["b"]["c"]?.stringValue == "d")
        #expect(value["missing"] == nil)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#"{"s": "a\"b\\c\/d\n\t\u00e9\ud83d\ude00"}"#)
        #expect(value["s"]?.stringValue == "a\"b\\c/d\n\té😀")
    }

    @Test func keepsHugeNumbersAsTheirText() throws {
        let value = try JSONParser.parse(#"{"id": 123456789012345678901234567890, "e": 1e400}"#)
        #expect(value["id"] == .number("123456789012345678901234567890"))
        #expect(value["id"]?.int64Value == nil)
        #expect(value["e"]?.doubleValue == .infinity)
    }

    @Test func lastDuplicateKeyWins() throws {
        #expect(try JSONParser.parse(#"{"a": 1, "a": 2}"#)["a"]?.int64Value == 2)
    }

    @Test func refusesDeepNestingWithoutExhaustingTheStack() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.tooDeep(limit: JSONParser.defaultDepthLimit)) { try JSONParser.parse(deep) }
        let deepObjects = String(repeating: #"{"a":"#, count: 100_000)
        #expect(throws: JSONParseError.tooDeep(limit: JSONParser.defaultDepthLimit)) { try JSONParser.parse(deepObjects) }
    }

    @Test func refusesInvalidUTF8() {
        let bytes: [UInt8] = Array(#"{"s": ""#.utf8) + [0xff, 0xfe] + Array(#""}"#.utf8)
        #expect(throws: JSONParseError.invalidUTF8(offset: 7)) { try JSONParser.parse(bytes) }
        // A lone surrogate escape is not a character either.
        #expect(throws: (any Error).self) { try JSONParser.parse(#"{"s": "\ud800"}"#) }
    }

    @Test(arguments: [
        "", "{", "{\"a\"}", "{\"a\":}", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"\u{01}\"", "{} {}",
        "{'a':1}", "[1 2]", "\"abc", "{\"a\":1", "nul", "\"\\x\"",
    ])
    func refusesMalformedDocuments(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func serializesWithSortedKeysAndEscapes() {
        let value: JSONValue = ["b": "x\"\n\u{01}", "a": [1, true, .null]]
        #expect(value.jsonText == #"{"a":[1,true,null],"b":"x\"\n\u0001"}"#)
        #expect((try? JSONParser.parse(value.jsonText)) == value)
    }
}
