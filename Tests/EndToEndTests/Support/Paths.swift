import Foundation

/// Where the repository, the built programs and the payload fixtures are.
enum Paths {
    static let repository: String = {
        // <repo>/Tests/EndToEndTests/Support/Paths.swift
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }()

    /// The Makefile passes HUBSYNC_BIN_DIR (`swift build --show-bin-path`).
    static let binDirectory: String = ProcessInfo.processInfo.environment["HUBSYNC_BIN_DIR"] ?? repository + "/.build/debug"

    static func program(_ name: String) -> String { binDirectory + "/" + name }

    /// GitHub's example bodies, kept in the repository (Tests/Fixtures/payloads/README.md).
    static let payloads: String = repository + "/Tests/Fixtures/payloads"

    static func payloadPath(_ relative: String) -> String { payloads + "/" + relative }

    static func payload(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: payloadPath(relative))))
    }

    /// Test runs live under var/ (ignored by git), on the repository's disk, where chattr works.
    static func newRunDirectory(_ name: String) throws -> String {
        let path = repository + "/var/test-runs/\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
