import Glibc

/// One open store database, SQLite or PostgreSQL, with its schema brought up to date. The stores
/// (`EventStore`, `IntegrationStore`, `TokenStore`, ...) share it through `connection`.
///
/// On SQLite: WAL, the configured synchronous mode, foreign keys, a busy timeout, and the `flock`
/// that orders writers across processes. On PostgreSQL: the store's schema as search path; writers
/// need no lock of ours (the server locks rows), and durability is the server's
/// (`synchronous_commit`).
public final class Database {
    public let connection: any SQLConnection
    /// The SQLite connection, for what only SQLite has (its WAL file, checkpoints, PRAGMAs); nil on PostgreSQL.
    public let sqlite: SQLiteConnection?
    let writeLock: WriteLock?
    static let pageCacheKibibytes = 6144

    public var dialect: SQLDialect { connection.dialect }

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
        self.sqlite = connection
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

    /// PostgreSQL's store: connects, and migrates the schema (under an advisory lock, so hosts
    /// starting at once apply each step once).
    public init(postgreSQL uri: String, schema: String) throws {
        let connection = try PostgreSQLStoreConnection(uri: uri, schema: schema)
        _ = try PostgreSQLSchema.migrate(connection.connection, schema: schema)
        self.connection = connection
        self.sqlite = nil
        self.writeLock = nil
    }

    /// The store `HUBSYNC_DB` names.
    public convenience init(configuration: Configuration, defersSync: Bool = false, handsOverCheckpoints: Bool = false) throws {
        switch configuration.databaseLocation {
        case .sqlite(let path):
            try self.init(path: path, syncMode: configuration.syncMode, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds,
                          defersSync: defersSync, handsOverCheckpoints: handsOverCheckpoints)
        case .postgreSQL(let uri, let schema):
            try self.init(postgreSQL: uri, schema: schema)
        }
    }

    /// Runs `body` under SQLite's writers' lock (no lock on PostgreSQL).
    func withWriteLock<T>(_ body: () throws -> T) throws -> T {
        guard let writeLock else { return try body() }
        return try writeLock.withLock(body)
    }

    /// The schema's version: how many migrations the database has had.
    public func schemaVersion() throws -> Int {
        Int(try connection.scalarInt(dialect == .sqlite ? "PRAGMA user_version" : "SELECT version FROM schema_version") ?? 0)
    }

    /// The schema version of the store `configuration` names, read without creating or migrating
    /// anything; nil when there is no store there yet.
    public static func existingSchemaVersion(_ configuration: Configuration) throws -> Int? {
        switch configuration.databaseLocation {
        case .sqlite(let path):
            guard access(path, F_OK) == 0 else { return nil }
            let connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds, existingOnly: true)
            return Int(try connection.scalarInt("PRAGMA user_version") ?? 0)
        case .postgreSQL(let uri, let schema):
            let connection = try PostgreSQLStoreConnection(uri: uri, schema: schema)
            guard try connection.scalarText("SELECT to_regclass('schema_version')::text") != nil else { return nil }
            return Int(try connection.scalarInt("SELECT version FROM schema_version") ?? 0)
        }
    }

    /// Whether the database's own check finds it sound: SQLite's `quick_check` ("ok" or what it
    /// found); on PostgreSQL, whose server checks its own files, the server's version.
    public func integrityCheck() throws -> (isSound: Bool, detail: String) {
        guard dialect == .sqlite else {
            let version = try connection.scalarText("SHOW server_version") ?? "?"
            let synchronous = try connection.scalarText("SHOW synchronous_commit") ?? "?"
            return (true, "PostgreSQL \(version), synchronous_commit \(synchronous)")
        }
        let result = try connection.scalarText("PRAGMA quick_check") ?? "no answer"
        return (result == "ok", result == "ok" ? "quick_check ok" : "quick_check: \(result.prefix(200))")
    }

    /// Runs `body` holding the lock `name` (letters only), which orders work across processes and
    /// hosts that must not run at once (a token refresh): on SQLite a `flock` of the file
    /// `DATABASE.NAME.lock`; on PostgreSQL a session advisory lock on this store's schema and
    /// `name`, which the server also lets go when the connection drops. Not a transaction: the
    /// body may take as long as a call to GitHub without holding up writers.
    public func withNamedLock<T>(_ name: String, _ body: () throws -> T) throws -> T {
        if let sqlite {
            return try WriteLock(path: sqlite.path + "." + name + ".lock").withLock(body)
        }
        let key = "pulser-hub-sync \(name) " + ((connection as? PostgreSQLStoreConnection)?.schema ?? "")
        _ = try connection.scalarInt("SELECT count(*) FROM (SELECT pg_advisory_lock(hashtext(?))) AS locked", [.text(key)])
        defer { _ = try? connection.scalarInt("SELECT count(*) FROM (SELECT pg_advisory_unlock(hashtext(?))) AS unlocked", [.text(key)]) }
        return try body()
    }

    /// A write transaction: on SQLite, BEGIN IMMEDIATE under the writers' lock.
    public func write<T>(_ body: () throws -> T) throws -> T {
        guard let writeLock else { return try connection.inTransaction(body) }
        return try writeLock.withLock { try connection.inTransaction(body) }
    }
}
