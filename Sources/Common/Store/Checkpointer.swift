/// Checkpoints the WAL on a thread and a connection of its own, outside the writers' lock.
///
/// SQLite's automatic checkpoint runs in the connection whose commit took the WAL past 1,000
/// frames, right after that commit, so under the store's `flock`: every writer of every process
/// waited for it, two fsyncs included (the WAL's, then the database's). Measured on make bench's
/// traffic (about 11 frames per delivery), that was a checkpoint every 90 deliveries and most of
/// the time the lock was held for. The group-commit writer's connection hands its checkpoints
/// over to this type instead (`SQLiteConnection.handOverCheckpoints`) and reports the WAL's size
/// after each commit; past `frameThreshold` frames this thread runs a PASSIVE checkpoint, which
/// SQLite lets run beside writers and readers.
///
/// A WAL is reused from its start only once everything in it is in the database, when a writer
/// begins. Under steady load new commits land during each checkpoint, so that moment may never
/// come and the file would grow: past `restartThreshold` frames the checkpoint is run under the
/// writers' lock, where no commit can land, and the next commit starts the WAL again.
public final class Checkpointer: @unchecked Sendable {
    public static let frameThreshold = 1_000
    /// Measured: under steady load the WAL never restarts by itself (CheckpointTests), so this is
    /// how often the lock is taken for a checkpoint, which then copies only the frames committed
    /// since the passive one before it, and syncs the database.
    public static let restartThreshold = 4_000

    // `isRequested`, `isStopping` and `backfilled` are guarded by `lock`, whose condition wakes
    // the thread.
    private let lock = ConditionLock()
    private var isRequested = false
    /// The WAL's frames already in the database after the last checkpoint: a checkpoint is due
    /// when `frameThreshold` more have come since (the WAL keeps its size between restarts, so its
    /// size alone would ask for a checkpoint after every commit).
    private var backfilled = 0
    private var isStopping = false
    private let path: String
    private let busyTimeoutMilliseconds: Int
    private let logger: Logger
    private var thread: NativeThread?

    /// A checkpointer for the store `configuration` names, if it needs one: SQLite's WAL does;
    /// PostgreSQL checkpoints by itself.
    public static func ifNeeded(configuration: Configuration, logger: Logger) -> Checkpointer? {
        guard case .sqlite = configuration.databaseLocation else { return nil }
        return Checkpointer(configuration: configuration, logger: logger)
    }

    public init(configuration: Configuration, logger: Logger) {
        path = configuration.databasePath
        busyTimeoutMilliseconds = configuration.busyTimeoutMilliseconds
        self.logger = logger
        thread = NativeThread { [self] in run() }
    }

    /// Called after each commit with the WAL's frames: wakes the thread when a checkpoint is due.
    public func walHas(frames: Int) {
        guard frames >= Checkpointer.frameThreshold else { return }
        lock.withLock {
            if frames < backfilled { backfilled = 0 }  // the WAL restarted from its start
            guard frames - backfilled >= Checkpointer.frameThreshold else { return }
            isRequested = true
            lock.signal()
        }
    }

    /// Ends the thread once a checkpoint in progress is over.
    public func stop() {
        lock.withLock {
            isStopping = true
            lock.signal()
        }
        thread?.join()
    }

    private func run() {
        while true {
            let stopping: Bool = lock.withLock {
                while !isRequested && !isStopping { lock.wait() }
                isRequested = false
                return isStopping
            }
            if stopping { return }
            checkpoint()
        }
    }

    /// On a connection opened for it (a fraction of a millisecond, once every thousand frames): a
    /// database file replaced at its path (a restore) is the one checkpointed next time, and a
    /// deleted one is not created again (StoreProvider answers 503 until it is restored).
    private func checkpoint() {
        do {
            let connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds, existingOnly: true)
            // A new connection knows the database is in WAL mode once it has read it.
            guard try connection.scalarText("PRAGMA journal_mode") == "wal",
                  var result = try connection.checkpointPassively() else { return }  // busy: another process is at it
            if result.walFrames >= Checkpointer.restartThreshold {
                result = try WriteLock(forDatabase: path).withLock { try connection.checkpointPassively() } ?? result
            }
            lock.withLock { backfilled = result.checkpointed }
        } catch {
            logger.warn("cannot checkpoint the write-ahead log now; the next commit asks again", [("error", .string("\(error)"))])
        }
    }
}
