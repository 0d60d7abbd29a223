import Foundation
import TestSupport

/// Runs a command to completion and returns its exit status and output.
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
         input: [UInt8]? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let result = try runProcess(executable, arguments, environment: environment, input: input)
    return (result.status, result.stdout, result.stderr)
}

/// The sqlite3 command-line shell: rows are checked with SQLite's own tool, not with our store.
func sqlite(_ database: String, _ sql: String) throws -> String {
    let result = try run("/usr/bin/sqlite3", ["-batch", "-cmd", ".timeout 5000", database, sql])
    guard result.status == 0 else { throw TestFailure("sqlite3 failed: \(result.stderr)") }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02X", $0) }.joined() }

/// Polls `condition` every 20 ms until it holds or `seconds` pass.
func eventually(_ seconds: Double = 5, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

/// A loopback port that was free a moment ago.
func freePort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            guard bind(fd, pointer, length) == 0 else { return -1 }
            return getsockname(fd, pointer, &length)
        }
    }
    guard bound == 0 else { throw TestFailure("no free port") }
    return UInt16(bigEndian: address.sin_port)
}
