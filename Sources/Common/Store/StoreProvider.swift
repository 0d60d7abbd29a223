import Glibc

/// Opens the store on first use and again after a storage fault, so that a worker started while
/// the disk was full or the database read-only answers 503 instead of exiting, and recovers by
/// itself once the fault is gone.
///
/// It also notices the database file being deleted or replaced under it (a stat per use, cheap
/// beside a commit): an open connection would go on writing to the old, unlinked file, and
/// acknowledge deliveries that no one will ever read. A replaced file is opened instead; a deleted
/// one answers 503 until a file is back at the path (restored from a backup), since quietly
/// starting an empty database would hide the loss.
public final class StoreProvider {
    private let configuration: Configuration
    private let defersSync: Bool
    /// Runs the checkpoints of the stores this provider opens (`Database`'s `handsOverCheckpoints`).
    public let checkpointer: Checkpointer?
    private var opened: EventStore?
    /// The file the store was opened on (device and inode), once one was.
    private var openedFile: (device: UInt64, inode: UInt64)?

    /// `defersSync`: see `Database`. `checkpointer`: checkpoints the WAL for the stores opened here,
    /// told its size after each use of a store; its owner stops it.
    public init(configuration: Configuration, defersSync: Bool = false, checkpointer: Checkpointer? = nil) {
        self.configuration = configuration
        self.defersSync = defersSync
        self.checkpointer = checkpointer
    }

    public func store() throws -> EventStore {
        guard case .sqlite(let path) = configuration.databaseLocation else {
            // PostgreSQL: a connection lost is reopened after the failure that showed it (withStore).
            if let opened { return opened }
            let store = try EventStore(database: Database(configuration: configuration))
            opened = store
            return store
        }
        let current = fileIdentity(path)
        if let opened, let openedFile, let current, current == openedFile { return opened }
        opened = nil
        if openedFile != nil && current == nil {
            throw SQLiteError(code: 14 /* SQLITE_CANTOPEN */, message: "the database file was deleted while in use; restore it", sql: nil)
        }
        let store = try EventStore(path: path, syncMode: configuration.syncMode,
                                   busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds, defersSync: defersSync,
                                   handsOverCheckpoints: checkpointer != nil)
        opened = store
        openedFile = fileIdentity(path)
        return store
    }

    /// Runs `body` with the store; a storage fault closes the connection so the next use reopens it.
    public func withStore<T>(_ body: (EventStore) throws -> T) throws -> T {
        let store = try store()
        do {
            defer { checkpointer?.walHas(frames: store.database.sqlite?.walFramesAfterLastCommit ?? 0) }
            return try body(store)
        } catch where isTransientStorageFault(error) {
            opened = nil
            throw error
        }
    }
}

private func fileIdentity(_ path: String) -> (device: UInt64, inode: UInt64)? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return (UInt64(info.st_dev), UInt64(info.st_ino))
}
