import Foundation
import FuzzChecks
import Testing

/// Every input in Fuzz/Corpus/<check>/ (the seeds, and every crash a fuzzer ever found, kept there
/// as a test case) holds its check's property, without a fuzzer.
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus").path

    @Test(arguments: FuzzCheck.all.map(\.name))
    func everyCorpusInputHoldsTheProperty(check name: String) throws {
        let fuzzCheck = try #require(FuzzCheck.all.first { $0.name == name })
        let directory = FuzzCorpusTests.corpus + "/" + name
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(files.count >= 5, "the seed corpus of \(name) is nearly empty")
        for file in files {
            let input = Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file)))
            let violation = fuzzCheck.check(input)
            #expect(violation == nil, "\(name)/\(file): \(violation ?? "")")
        }
    }

}
