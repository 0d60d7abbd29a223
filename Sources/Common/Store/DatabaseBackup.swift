import Glibc

extension Database {
    /// A consistent copy of the database at `path`, safe while the programs write: on SQLite,
    /// `VACUUM INTO` reads one snapshot (WAL readers never block the writer) and writes a compact
    /// file; on PostgreSQL, the store copied into a new SQLite file (`StoreCopy`) and verified. The file
    /// is created first, empty and 0600, as SQLite requires and as its contents (bodies, sealed
    /// secrets) deserve; an existing file is never overwritten.
    /// Returns the copy's event count and size, read back from the copy after its `quick_check`.
    @discardableResult
    public func backup(to path: String) throws -> (events: Int, bytes: Int64) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SQLiteError(code: 14 /* SQLITE_CANTOPEN */, message: "cannot create \(path): \(String(cString: strerror(errno)))", sql: nil)
        }
        close(fd)
        do {
            if dialect == .sqlite {
                try connection.prepare("VACUUM INTO ?").run([.text(path)])
            } else {
                // PostgreSQL's store into a SQLite file: the store copy, whose verification
                // compares every table's rows with the server's.
                try copyIntoNewSQLiteFile(path)
            }
        } catch {
            for suffix in ["", "-wal", "-shm", ".lock"] { unlink(path + suffix) }
            throw error
        }
        // Read back through a plain connection: the copy is not switched to WAL or migrated.
        let copy = try SQLiteConnection(path: path, busyTimeoutMilliseconds: 1000)
        let check = try copy.scalarText("PRAGMA quick_check") ?? "no answer"
        guard check == "ok" else { throw SQLiteError(code: 11 /* SQLITE_CORRUPT */, message: "the copy fails quick_check: \(check)", sql: nil) }
        let events = try copy.scalarInt("SELECT count(*) FROM deliveries") ?? 0
        let bytes = (try copy.scalarInt("PRAGMA page_count") ?? 0) * (try copy.scalarInt("PRAGMA page_size") ?? 0)
        return (Int(events), bytes)
    }

    private func copyIntoNewSQLiteFile(_ path: String) throws {
        let copy = try Database(path: path, syncMode: .full, busyTimeoutMilliseconds: 1000)
        let storeCopy = StoreCopy(from: self, to: copy)
        _ = try storeCopy.copy()
        let differing = try storeCopy.verify().filter { !$0.matches }.map(\.source.table)
        guard differing.isEmpty else {
            throw SQLiteError(code: 1, message: "the copy differs from the database in \(differing.joined(separator: ", ")) (it changed during the copy): run the backup again", sql: nil)
        }
        try copy.connection.execute("PRAGMA journal_mode = DELETE")  // one file, as VACUUM INTO writes
        unlink(path + ".lock")
    }
}
