/// One open SQLite database with this project's settings: WAL, the configured synchronous mode,
/// foreign keys, a busy timeout, the schema brought up to date, and the `flock` that orders
/// writers across processes. The stores (`EventStore`, `IntegrationStore`, `TokenStore`) share it.
public final class Database {
    public let connection: SQLiteConnection
    let writeLock: WriteLock
    static let pageCacheKibibytes = 6144

    /// `defersSync`: COMMIT does not sync (synchronous=NORMAL, which still syncs around
    /// checkpoints): the caller makes commits durable itself when it must (GroupCommitWriter syncs
    /// the WAL before acknowledging, off the writers' lock), or needs no sync at all (the event
    /// runner, whose claims and outcomes are made durable by the next sync or checkpoint, and are
    /// done again if a power cut loses them).
    ///
    /// `handsOverCheckpoints`: a `Checkpointer` checkpoints for this connection (see
    /// `SQLiteConnection.handOverCheckpoints`).
    public init(path: String, syncMode: SyncMode, busyTimeoutMilliseconds: Int, defersSync: Bool = false,
                handsOverCheckpoints: Bool = false) throws {
        let connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        let writeLock = try WriteLock(forDatabase: path)
        self.connection = connection
        self.writeLock = writeLock
        // FULL: the WAL is fsynced at every commit, so an acknowledged delivery survives power loss.
        try connection.execute("PRAGMA synchronous = \(syncMode == .full && !defersSync ? "FULL" : "NORMAL")")
        try connection.execute("PRAGMA foreign_keys = ON")
        if handsOverCheckpoints { connection.handOverCheckpoints() }
        // Room for the interior pages of the delivery-id index: with 5M deliveries, SQLite's default
        // 2 MB cache re-read them on every insert (make bench: 3.5k/s at 5M rows against 5.9k/s
        // empty); 6 MiB gave 4.9k/s with worker RSS 22.9 MB (8 MiB: 5.1k/s, 25.2 MB).
        try connection.execute("PRAGMA cache_size = -\(Database.pageCacheKibibytes)")
        try writeLock.withLock {
            // WAL: readers never block the writer, and a commit appends to one file. Switched under
            // the writers' lock: two processes switching a new database at once each hold a shared
            // lock and want an exclusive one, and SQLite answers one of them SQLITE_BUSY at once,
            // without waiting out the busy timeout (two `hubsync token` runs, or two workers'
            // first deliveries, on a fresh database).
            guard try connection.scalarText("PRAGMA journal_mode = WAL")?.lowercased() == "wal" else {
                throw SQLiteError(code: 8 /* SQLITE_READONLY */, message: "cannot switch the database to WAL mode", sql: nil)
            }
            try Migrations.migrate(connection)
        }
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
