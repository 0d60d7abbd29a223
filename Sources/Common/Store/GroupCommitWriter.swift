/// Group commit: request threads hand their verified rows to this one writer thread, which commits
/// whatever is queued in one transaction and one fsync, then wakes each request only after that
/// commit. With `synchronous=FULL` one commit per delivery is bounded by fsync (about 3.5k/s on
/// the project's machines, docs/stack-notes.md); a batch per fsync lifts that bound to the FastCGI hop.
///
/// There is no artificial wait: when the queue is empty the writer sleeps, and the first row to
/// arrive is committed at once; rows that arrive during a commit form the next batch. Writers of
/// several worker processes take turns through the store's `flock`, so a process waiting for the
/// lock gathers a larger batch meanwhile.
///
/// With `syncsAfterCommit` (HUBSYNC_SYNC=full), the durability of a batch is a second stage: the
/// connection commits without a sync (synchronous=NORMAL: the WAL frames are written, the lock is
/// released), and a syncer thread syncs the WAL file and only then wakes the batch's requests.
/// While it syncs, the writer commits the next batch, and the other processes' writers and the
/// event runner take the lock: the fsync no longer holds the lock nor the writer
/// (docs/stack-notes.md, fact 13). An acknowledged delivery is as durable as with
/// synchronous=FULL: its commit's frames were written before the sync began.
public final class GroupCommitWriter: @unchecked Sendable {
    // `queue`, `isStopping`, `statistics` and every ticket's `result` are guarded by `lock`, whose
    // condition wakes the writer. Each waiting request has a condition of its own on the same
    // mutex, so a commit wakes exactly the requests it answered: a shared condition woke every
    // request thread at every commit, about eight futex calls per delivery (strace).
    // `stores` is used by the writer thread alone.
    private let lock: ConditionLock
    private var queue: [Job] = []
    private var isStopping = false
    private var statistics = Statistics()
    private let stores: StoreProvider
    private let maxBatchSize: Int
    private let logger: Logger
    private var thread: NativeThread?
    // The syncer's stage (syncsAfterCommit): committed batches waiting for their sync, in commit
    // order, guarded by `lock`; `syncerWake` (on the same mutex) wakes the syncer.
    private let syncsAfterCommit: Bool
    private var awaitingSync: [Committed] = []
    private var isSyncerStopping = false
    private let syncerWake: ConditionLock
    private var syncer: NativeThread?

    /// A batch committed but not yet acknowledged: its results, and the WAL file to sync (nil when
    /// nothing was committed: a barrier, or a failed batch, which waits only for its turn).
    private struct Committed {
        var batch: [Job]
        var results: [WriteResult]
        var journal: JournalFile?
    }

    public struct Statistics: Sendable, Equatable {
        public var commits = 0
        public var items = 0
        public var largestBatch = 0
    }

    private final class Ticket {
        var result: WriteResult?
        let done: ConditionLock

        init(sharingMutexOf lock: ConditionLock) { done = ConditionLock(sharingMutexOf: lock) }
    }

    /// A write, or (item nil) a barrier that completes when the jobs queued before it have.
    private struct Job {
        var item: WriteItem?
        var ticket: Ticket?
    }

    /// `syncsAfterCommit`: `stores` defers syncs (StoreProvider's `defersSync`), and this writer
    /// syncs the WAL before it acknowledges. Without it, COMMIT itself is as durable as the store's
    /// synchronous setting makes it.
    /// The stores' checkpointer, if any, is stopped with the writer.
    public init(stores: StoreProvider, maxBatchSize: Int, logger: Logger, syncsAfterCommit: Bool = false) {
        lock = ConditionLock()
        syncerWake = ConditionLock(sharingMutexOf: lock)
        self.stores = stores
        self.maxBatchSize = max(1, maxBatchSize)
        self.logger = logger
        self.syncsAfterCommit = syncsAfterCommit
        thread = NativeThread { [self] in run() }
        if syncsAfterCommit { syncer = NativeThread { [self] in runSyncer() } }
    }

    /// Stores a delivery; returns once the transaction that holds it has committed.
    public func insert(_ event: NewEvent) throws -> InsertOutcome {
        switch submitAndWait(.insert(event)) {
        case .inserted(let outcome): return outcome
        case .failed(let error): throw error
        case .recorded: preconditionFailure("an insert recorded an outcome")
        }
    }

    /// Makes a failed event due now (a redelivery asked for it); returns once that is committed, so
    /// that the event runner, woken next, finds it.
    public func retryNow(id: Int64, at time: Timestamp) throws {
        if case .failed(let error) = submitAndWait(.retryNow(id: id, at: time)) { throw error }
    }

    /// Queues an event's outcome for the next commit and returns at once: a lost outcome (a crash
    /// before that commit) leaves the event `pending`, and the event runner handles it again.
    public func recordOutcome(id: Int64, _ outcome: EventOutcome, at time: Timestamp) {
        lock.withLock {
            queue.append(Job(item: .outcome(id: id, outcome, at: time), ticket: nil))
            lock.signal()
        }
    }

    /// Returns once everything queued before the call has been committed or has failed.
    public func flush() {
        _ = submitAndWait(nil)
    }

    /// Commits what is queued, then ends the writer thread (and the syncer, once it has synced
    /// everything the writer committed).
    public func stop() {
        flush()
        lock.withLock {
            isStopping = true
            lock.signal()
        }
        thread?.join()
        lock.withLock {
            isSyncerStopping = true
            syncerWake.signal()
        }
        syncer?.join()
        stores.checkpointer?.stop()
    }

    public var currentStatistics: Statistics { lock.withLock { statistics } }

    private func submitAndWait(_ item: WriteItem?) -> WriteResult {
        let ticket = Ticket(sharingMutexOf: lock)
        return lock.withLock {
            queue.append(Job(item: item, ticket: ticket))
            lock.signal()
            while ticket.result == nil { ticket.done.wait() }
            return ticket.result!
        }
    }

    private func run() {
        while true {
            let batch: [Job] = lock.withLock {
                while queue.isEmpty && !isStopping { lock.wait() }
                let count = min(queue.count, maxBatchSize)
                let batch = Array(queue.prefix(count))
                queue.removeFirst(count)
                return batch
            }
            if batch.isEmpty { return }  // stopping, and nothing left
            let work = batch.filter { $0.item != nil }
            var results: [WriteResult]
            var journal: JournalFile?
            do {
                (results, journal) = work.isEmpty ? ([], nil) : try stores.withStore { store in
                    (try store.commit(work.compactMap(\.item)), syncsAfterCommit ? store.journalFile() : nil)
                }
            } catch {
                results = Array(repeating: .failed(error), count: work.count)
            }
            for (job, result) in zip(work, results) where job.ticket == nil {
                if case .failed(let error) = result {
                    logger.error("cannot record an event's outcome; it stays pending", [("error", .string("\(error)"))])
                }
            }
            lock.withLock {
                if !work.isEmpty {
                    statistics.commits += 1
                    statistics.items += work.count
                    statistics.largestBatch = max(statistics.largestBatch, work.count)
                }
                if syncsAfterCommit {
                    awaitingSync.append(Committed(batch: batch, results: results, journal: journal))
                    syncerWake.signal()
                } else {
                    answer(batch, results)
                }
            }
        }
    }

    /// Wakes each request of `batch` with its result. Called with the lock held.
    private func answer(_ batch: [Job], _ results: [WriteResult]) {
        var index = 0
        for job in batch {
            if job.item == nil {
                job.ticket?.result = .recorded
            } else {
                job.ticket?.result = results[index]
                index += 1
            }
            job.ticket?.done.signal()
        }
    }

    /// The second stage: takes every batch committed so far, syncs their WAL file once (a reopened
    /// store may make two), and answers them in commit order. A failed sync fails the batches'
    /// deliveries (503: GitHub sends them again, and they are then answered as stored).
    private func runSyncer() {
        while true {
            let committed: [Committed] = lock.withLock {
                while awaitingSync.isEmpty && !isSyncerStopping { syncerWake.wait() }
                defer { awaitingSync.removeAll() }
                return awaitingSync
            }
            if committed.isEmpty { return }
            var journals: [JournalFile] = []
            for journal in committed.compactMap(\.journal) where !journals.contains(where: { $0.isSameFile(as: journal) }) {
                journals.append(journal)
            }
            var syncError: SQLiteError?
            for journal in journals {
                do { try journal.sync() } catch { syncError = error }
            }
            if let syncError {
                logger.error("cannot sync the write-ahead log; the batch is not acknowledged", [("error", .string("\(syncError)"))])
            }
            lock.withLock {
                for entry in committed {
                    let results = syncError.map { error in entry.results.map { _ in WriteResult.failed(error) } } ?? entry.results
                    answer(entry.batch, results)
                }
            }
        }
    }

}

