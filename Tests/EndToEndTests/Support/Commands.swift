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
/// Rows of `sql` as `a|b` lines: sqlite3 on a SQLite file, psql (the store's schema first, then
/// the SQLite functions TestDatabase adds) on a PostgreSQL URI.
func query(_ database: String, _ sql: String) throws -> String {
    guard database.hasPrefix("postgres") else { return try sqlite(database, sql) }
    let result = try run("/usr/bin/psql", ["-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-d", database,
                                           "-c", "SET search_path TO hubsync, public", "-c", sql])
    guard result.status == 0 else { throw TestFailure("psql failed: \(result.stderr)") }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

func sqlite(_ database: String, _ sql: String) throws -> String {
    let result = try run("/usr/bin/sqlite3", ["-batch", "-cmd", ".timeout 5000", database, sql])
    guard result.status == 0 else { throw TestFailure("sqlite3 failed: \(result.stderr)") }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02X", $0) }.joined() }

