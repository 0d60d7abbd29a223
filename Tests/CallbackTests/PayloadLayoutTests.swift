import Foundation
import Testing
@testable import Callback

/// The console's layout of a JSON body: only whitespace between tokens moves.
@Suite struct PayloadLayoutTests {
    /// Every byte outside the whitespace between tokens, in order.
    func tokens(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [], inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == 92 { escaped = true } else if byte == 34 { inString = false }
                out.append(byte)
            } else if ![32, 9, 10, 13].contains(byte) {
                if byte == 34 { inString = true }
                out.append(byte)
            }
        }
        return out
    }

    @Test func gitHubsExamplesKeepEveryTokenAndGetOneMemberPerLine() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = repository.appendingPathComponent("Tests/Fixtures/payloads")
        let files = FileManager.default.enumerator(atPath: folder.path)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") }
        #expect(files.count > 10)
        for file in files {
            let body = Array(try Data(contentsOf: folder.appendingPathComponent(file)))
            let laidOut = try #require(PayloadLayout.indented(body), "\(file)")
            #expect(tokens(laidOut) == tokens(body), "\(file)")
            let reparsed = try JSONSerialization.jsonObject(with: Data(laidOut)) as? NSDictionary
            #expect(reparsed == (try JSONSerialization.jsonObject(with: Data(body)) as? NSDictionary), "\(file)")
        }
    }

    @Test func theLayoutIsTheUsualOne() {
        let body = Array(#"{"a":[1,{"b":"x, y: {z}\"]"}],"c":{},"d":[ ],"e":1.50e3}"#.utf8)
        let expected = """
            {
              "a": [
                1,
                {
                  "b": "x, y: {z}\\"]"
                }
              ],
              "c": {},
              "d": [],
              "e": 1.50e3
            }
            """
        #expect(PayloadLayout.indented(body).map { String(decoding: $0, as: UTF8.self) } == expected)
    }

    @Test func whatIsNotOneWellNestedValueIsLeftAsItIs() {
        for text in ["payload=%7B%7D", #"{"a":1"#, #"{"a":1}}"#, #"{"a":[1}"#, #"{"a":"open"#, #"{} {}"#, "", "   ", "42", #""text""#] {
            #expect(PayloadLayout.indented(Array(text.utf8)) == nil, "\(text)")
        }
        #expect(PayloadLayout.indented(Array(repeating: UInt8(ascii: " "), count: PayloadLayout.layoutLimit + 1)) == nil)
    }
}
