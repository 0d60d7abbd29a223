/// Group commit: request threads hand their verified rows to this one writer thread, which commits
/// whatever is queued in one transaction and one fsync, then wakes each request only after that
/// commit. With `synchronous=FULL` one commit per delivery is bounded by fsync (about 3.5k/s on
/// the project's machines, docs/stack-notes.md); a batch per fsync lifts that bound to the FastCGI hop.
///
/// There is no artificial wait: when the queue is empty the writer sleeps, and the first row to
/// arrive is committed at once; rows that arrive during a commit form the next batch. Writers of
/// several worker processes take turns through the store's `flock`, so a process waiting for the
/// lock gathers a larger batch meanwhile.
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

    public init(stores: StoreProvider, maxBatchSize: Int, logger: Logger) {
        lock = ConditionLock()
        self.stores = stores
        self.maxBatchSize = max(1, maxBatchSize)
        self.logger = logger
        thread = NativeThread { [self] in run() }
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

    /// Commits what is queued, then ends the writer thread.
    public func stop() {
        flush()
        lock.withLock {
            isStopping = true
            lock.signal()
        }
        thread?.join()
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
            do {
                results = work.isEmpty ? [] : try stores.withStore { store in try store.commit(work.compactMap(\.item)) }
            } catch {
                results = Array(repeating: .failed(error), count: work.count)
            }
            for (job, result) in zip(work, results) where job.ticket == nil {
                if case .failed(let error) = result {
                    logger.error("cannot record an event's outcome; it stays pending", [("error", .string("\(error)"))])
                }
            }
            lock.withLock {
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
                if !work.isEmpty {
                    statistics.commits += 1
                    statistics.items += work.count
                    statistics.largestBatch = max(statistics.largestBatch, work.count)
                }
            }
        }
    }

}
