import Foundation

/// A fake written in Python (Tests/FakeGitHub, Tests/FakeReceiver, Tests/FakePostgreSQL) running
/// on a free loopback port: each prints "LISTENING <port>" once ready, and is stopped with its owner.
final class PythonFake {
    let port: UInt16
    private let process: SpawnedProcess

    /// `script`: a path inside the repository's Tests folder; `name` says what failed to start.
    init(script: String, arguments: [String] = [], name: String) throws {
        process = try SpawnedProcess("/usr/bin/env", ["python3", PythonFake.repository + "/Tests/" + script] + arguments)
        let line = process.readLine()
        guard line.hasPrefix("LISTENING "), let port = UInt16(line.dropFirst(10).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.kill()
            _ = process.wait()
            throw FileError(description: "\(name) did not start: \(line)")
        }
        self.port = port
    }

    deinit {
        process.kill()
        _ = process.wait()
    }

    /// The repository this file is in (Tests/TestSupport/ is two levels down).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}
