import Glibc

/// A blocking `flock()` on a file beside the database, held around each write transaction.
/// SQLite's own busy handler sleeps 1, 2, 5 ... 100 ms between tries, which gave writer processes
/// worst cases of a second; queueing in the kernel instead gave 13-105 ms (docs/stack-notes.md, fact 12).
/// The busy timeout still guards against writers that do not take this lock (another tool).
public final class WriteLock {
    private let fd: Int32
    public let path: String

    public init(path: String) throws(SQLiteError) {
        self.path = path
        StateFile.create(path)
        fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            throw SQLiteError(code: 14 /* SQLITE_CANTOPEN */, message: "cannot open lock file: \(String(cString: strerror(errno)))", sql: nil)
        }
    }

    /// The lock that orders the writers of the database at `databasePath`, in a file beside it.
    public convenience init(forDatabase databasePath: String) throws(SQLiteError) {
        try self.init(path: databasePath + ".lock")
    }

    deinit { Glibc.close(fd) }

    public func withLock<T>(_ body: () throws -> T) throws -> T {
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw SQLiteError(code: 10 /* SQLITE_IOERR */, message: "flock failed: \(String(cString: strerror(errno)))", sql: nil)
            }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
