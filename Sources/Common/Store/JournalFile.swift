internal import CSQLite

/// A connection's WAL file, synced from another thread than the connection's: the write-ahead
/// log's frames of a commit are in the file when COMMIT returns (synchronous=NORMAL), and a sync
/// of it makes them durable. Holds the connection, so the file stays open while this exists.
///
/// Syncing while the connection's own thread writes the next transaction is what SQLite's unix VFS
/// allows for one file descriptor: `fdatasync` and `pwrite` on the same descriptor, and the
/// sync makes durable at least every frame written before it began.
public final class JournalFile: @unchecked Sendable {
    private let connection: SQLiteConnection
    private let file: UnsafeMutablePointer<sqlite3_file>

    init?(connection: SQLiteConnection, handle: OpaquePointer) {
        guard let file = csqlite_journal_file(handle) else { return nil }
        self.connection = connection
        self.file = file
    }

    public func sync() throws(SQLiteError) {
        let result = csqlite_sync_file(file)
        guard result == SQLITE_OK else { throw SQLiteError(code: result, message: "cannot sync the write-ahead log", sql: nil) }
    }

    /// The same file (for syncing each file once).
    func isSameFile(as other: JournalFile) -> Bool { file == other.file }
}
