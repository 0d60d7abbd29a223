/// Opens the store on first use and again after a storage fault, so that a worker started while
/// the disk was full or the database read-only answers 503 instead of exiting, and recovers by
/// itself once the fault is gone.
public final class StoreProvider {
    private let configuration: Configuration
    private var opened: EventStore?

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public func store() throws -> EventStore {
        if let opened { return opened }
        let store = try EventStore(path: configuration.databasePath, syncMode: configuration.syncMode,
                                   busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        opened = store
        return store
    }

    /// Runs `body` with the store; a storage fault closes the connection so the next use reopens it.
    public func withStore<T>(_ body: (EventStore) throws -> T) throws -> T {
        let store = try store()
        do {
            return try body(store)
        } catch let error as SQLiteError where error.isTransient {
            opened = nil
            throw error
        }
    }
}
