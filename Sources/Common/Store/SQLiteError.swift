internal import CSQLite

/// A failed SQLite call: the extended result code, SQLite's message and the statement text. Bound
/// values are never included, since they may be secrets or payloads (docs/code-style.md, rule 5).
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let sql: String?

    public init(code: Int32, message: String, sql: String?) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    public var primaryCode: Int32 { code & 0xFF }

    /// Storage that is unavailable now but may come back (locked, read-only, full, I/O error,
    /// missing): the caller answers 503 so that the delivery can be redelivered later.
    public var isTransient: Bool {
        switch primaryCode {
        case SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN,
            SQLITE_PROTOCOL, SQLITE_NOLFS, SQLITE_AUTH, SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_PERM:
            true
        default:
            false
        }
    }

    public var description: String {
        "SQLite error \(code): \(message)" + (sql.map { " in `\($0)`" } ?? "")
    }
}
