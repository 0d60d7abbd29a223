/// One open SQLite database with this project's settings: WAL, the configured synchronous mode,
/// foreign keys, a busy timeout, the schema brought up to date, and the `flock` that orders
/// writers across processes. The stores (`EventStore`, `IntegrationStore`, `TokenStore`) share it.
public final class Database {
    public let connection: SQLiteConnection
    let writeLock: WriteLock

    public init(path: String, syncMode: SyncMode, busyTimeoutMilliseconds: Int) throws {
        let connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        let writeLock = try WriteLock(path: path + ".lock")
        self.connection = connection
        self.writeLock = writeLock
        // WAL: readers never block the writer, and a commit appends to one file.
        guard try connection.scalarText("PRAGMA journal_mode = WAL")?.lowercased() == "wal" else {
            throw SQLiteError(code: 8 /* SQLITE_READONLY */, message: "cannot switch the database to WAL mode", sql: nil)
        }
        // FULL: the WAL is fsynced at every commit, so an acknowledged delivery survives power loss.
        try connection.execute("PRAGMA synchronous = \(syncMode == .full ? "FULL" : "NORMAL")")
        try connection.execute("PRAGMA foreign_keys = ON")
        try writeLock.withLock { try Migrations.migrate(connection) }
    }

    public convenience init(configuration: Configuration) throws {
        try self.init(path: configuration.databasePath, syncMode: configuration.syncMode,
                      busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
    }

    /// A write transaction (BEGIN IMMEDIATE) under the writers' lock.
    public func write<T>(_ body: () throws -> T) throws -> T {
        try writeLock.withLock { try connection.inTransaction(body) }
    }
}
