import Glibc

extension Database {
    /// A consistent copy of the database at `path`, safe while the programs write: `VACUUM INTO`
    /// reads one snapshot (WAL readers never block the writer) and writes a compact file. The file
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
            try connection.prepare("VACUUM INTO ?").run([.text(path)])
        } catch {
            unlink(path)
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
}
