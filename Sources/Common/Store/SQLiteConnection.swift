import Glibc
internal import CSQLite
internal import CWALBuffer

/// One SQLite connection. The only owner of its `sqlite3*`, which `deinit` closes. Used by one
/// thread at a time (SQLITE_OPEN_NOMUTEX); statements keep the connection alive.
public final class SQLiteConnection: SQLConnection {
    public var dialect: SQLDialect { .sqlite }
    fileprivate let handle: OpaquePointer
    public let path: String
    /// Set by `handOverCheckpoints`: the WAL's frames after this connection's last commit.
    private var walFrameCounter: UnsafeMutablePointer<Int32>?

    /// Opens (creating it 0600, or 0660 in a group's directory, if absent) the database at `path`. The busy timeout is set before
    /// anything else touches the file, since several workers open it at once (docs/stack-notes.md, fact 11).
    /// `existingOnly`: fails (SQLITE_CANTOPEN) instead of creating a missing file.
    public init(path: String, busyTimeoutMilliseconds: Int, existingOnly: Bool = false) throws(SQLiteError) {
        self.path = path
        // Create a missing file ourselves so that its mode is StateFile's whatever the umask; SQLite gives
        // the -wal and -shm files the same mode as the database file. Never open and close an
        // existing database file: closing any descriptor of it drops every POSIX lock this process
        // holds on it, including those of other connections, which corrupts the database ("How To
        // Corrupt An SQLite Database File", section 2.2). O_EXCL creates only a file that did not
        // exist, which no connection of ours can have open.
        if !existingOnly { StateFile.create(path) }
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (existingOnly ? 0 : SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        // The VFS that writes a transaction's WAL frames in one call (Sources/CWALBuffer); SQLite's
        // default one if it could not be registered.
        let result = sqlite3_open_v2(path, &opened, flags, hubsync_wal_buffer_vfs())
        guard result == SQLITE_OK, let opened else {
            // sqlite3_open_v2 allocates a handle even on failure; it must still be closed.
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(opened)
            throw SQLiteError(code: result, message: message, sql: nil)
        }
        handle = opened
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, Int32(busyTimeoutMilliseconds))
    }

    deinit {
        if let walFrameCounter {
            csqlite_watch_wal_frames(handle, nil)
            walFrameCounter.deallocate()
        }
        sqlite3_close_v2(handle)
    }

    /// Turns off this connection's automatic checkpoint (a checkpoint after the commit that took
    /// the WAL past 1,000 frames, run by that commit's connection, under the writers' lock), and
    /// counts the WAL's frames after each commit instead: `walFramesAfterLastCommit`, which a
    /// `Checkpointer` acts on.
    public func handOverCheckpoints() {
        guard walFrameCounter == nil else { return }
        let counter = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        counter.initialize(to: 0)
        walFrameCounter = counter
        csqlite_watch_wal_frames(handle, counter)
    }

    /// Frames in the WAL after this connection's last commit (0 before `handOverCheckpoints`).
    public var walFramesAfterLastCommit: Int { walFrameCounter.map { Int(csqlite_load_wal_frames($0)) } ?? 0 }

    /// A PASSIVE checkpoint: copies into the database what no reader still needs, without waiting
    /// for or blocking readers and writers. Returns the WAL's frames and how many of them are now
    /// in the database; nil when another connection is checkpointing (SQLITE_BUSY).
    public func checkpointPassively() throws(SQLiteError) -> (walFrames: Int, checkpointed: Int)? {
        var walFrames: Int32 = 0
        var checkpointed: Int32 = 0
        let result = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &walFrames, &checkpointed)
        if result & 0xff == SQLITE_BUSY { return nil }
        guard result == SQLITE_OK else { throw error(result, sql: "checkpoint") }
        return (Int(walFrames), Int(checkpointed))
    }

    /// This connection's WAL file once it has one (after its first transaction in WAL mode).
    public func journalFile() -> JournalFile? { JournalFile(connection: self, handle: handle) }

    /// Runs one or more statements that bind nothing and return nothing of interest.
    public func execute(_ sql: String) throws(SQLiteError) {
        let result = sqlite3_exec(handle, sql, nil, nil, nil)
        guard result == SQLITE_OK else { throw error(result, sql: sql) }
    }

    public func prepare(_ sql: String) throws -> any SQLStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    /// Runs `body` in a transaction (IMMEDIATE takes the write lock at once, so a writer never fails
    /// half-way on a lock upgrade). Commits on return; on a throw rolls back and rethrows the
    /// body's error, not the rollback's (as GRDB's `inTransaction` does).
    public func inTransaction<T>(immediate: Bool, _ body: () throws -> T) throws -> T {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        let value: T
        do {
            value = try body()
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
        do {
            try execute("COMMIT")
        } catch {
            // A failed COMMIT (disk full, I/O error) may leave the transaction open.
            if sqlite3_get_autocommit(handle) == 0 { try? execute("ROLLBACK") }
            throw error
        }
        return value
    }

    /// Bytes SQLite has allocated in this process (all connections): `sqlite3_memory_used()`.
    public static var memoryInUseBytes: Int64 { sqlite3_memory_used() }

    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }
    public var transactionState: SQLTransactionState { isInTransaction ? .open : .none }

    /// Rows inserted, updated or deleted since the connection opened (an upsert whose WHERE
    /// refused the update counts none): the difference across a few statements is what they changed.
    public var totalChanges: Int { Int(sqlite3_total_changes(handle)) }
    public var lastStatementChanges: Int { Int(sqlite3_changes64(handle)) }

    fileprivate func error(_ code: Int32, sql: String?) -> SQLiteError {
        SQLiteError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
}

/// A prepared statement, owned and finalized by this object. Prepare once, then bind, step and
/// reset for each use.
public final class SQLiteStatement: SQLStatement {
    private let handle: OpaquePointer
    private let connection: SQLiteConnection
    public let sql: String

    fileprivate init(connection: SQLiteConnection, sql: String) throws(SQLiteError) {
        var prepared: OpaquePointer?
        let result = sqlite3_prepare_v2(connection.handle, sql, -1, &prepared, nil)
        guard result == SQLITE_OK, let prepared else { throw connection.error(result, sql: sql) }
        self.handle = prepared
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds `values` to parameters 1...n after clearing the previous use, for queries whose rows
    /// are read with `step`. Blobs are copied (SQLITE_TRANSIENT); `withBindings` avoids the copy.
    public func bind(_ values: [SQLValue]) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            if case .blob(let bytes) = value {
                let result = bytes.withUnsafeBytes { buffer in
                    sqlite3_bind_blob64(handle, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                                        sqlite3_uint64(buffer.count), sqliteTransient)
                }
                guard result == SQLITE_OK else { throw connection.error(result, sql: sql) }
            } else {
                try bindScalar(value, at: index)
            }
        }
    }

    /// Binds `values` for the duration of `body` only: blobs are bound without a copy
    /// (SQLITE_STATIC, valid while their buffers are lent to this scope), and the bindings are
    /// cleared before the scope ends, so SQLite never holds a pointer past it. A 25 MiB body is
    /// thereby neither copied nor kept.
    public func withBindings<T>(_ values: [SQLValue], _ body: () throws -> T) throws -> T {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        defer { reset() }
        func bind(from offset: Int) throws -> T {
            guard offset < values.count else { return try body() }
            let index = Int32(offset + 1)
            if case .blob(let bytes) = values[offset] {
                return try bytes.withUnsafeBytes { buffer in
                    let result = sqlite3_bind_blob64(handle, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                                                     sqlite3_uint64(buffer.count), nil /* SQLITE_STATIC */)
                    guard result == SQLITE_OK else { throw connection.error(result, sql: sql) }
                    return try bind(from: offset + 1)
                }
            }
            try bindScalar(values[offset], at: index)
            return try bind(from: offset + 1)
        }
        return try bind(from: 0)
    }

    private func bindScalar(_ value: SQLValue, at index: Int32) throws(SQLiteError) {
        let result: Int32
        switch value {
        case .null: result = sqlite3_bind_null(handle, index)
        case .integer(let number): result = sqlite3_bind_int64(handle, index, number)
        case .text(let text): result = sqlite3_bind_text(handle, index, text, -1, sqliteTransient)
        case .blob: preconditionFailure("blobs are bound in withBindings")
        }
        guard result == SQLITE_OK else { throw connection.error(result, sql: sql) }
    }

    /// Advances to the next row: true while a row is available, false when done.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        let result = sqlite3_step(handle)
        switch result {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let failure = connection.error(result, sql: sql)
            reset()
            throw failure
        }
    }

    /// Ends this use: resets the statement and drops the bound values, so that SQLite's private
    /// copy of a bound body (up to 25 MiB) is freed now rather than kept until the next use.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    public var columnCount: Int32 { sqlite3_column_count(handle) }

    public func value(_ column: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_NULL: .null
        case SQLITE_INTEGER: .integer(int64(column))
        case SQLITE_BLOB: .blob(blob(column))
        default: .text(text(column) ?? "")  // text (the schema has no REAL column)
        }
    }
    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    public func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    public func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

/// SQLITE_TRANSIENT is a macro that Swift does not import (docs/stack-notes.md, fact 3).
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
