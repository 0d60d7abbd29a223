import Glibc
import Common

/// Runs the event handlers, apart from the requests that stored the events (under `--workers`,
/// in the supervisor's `--background` process; otherwise on a thread of the serving process).
///
/// Each pass:
/// 1. ends the attempts that will never report: their process died (same host, no such pid and
///    start time) or they overran the attempt timeout. A death is counted; after
///    `maxDeaths` the event is given up ("gave up after 3 attempts: the worker died") and never
///    runs by itself again;
/// 2. runs, one at a time, events whose earlier attempt died (so each death is charged to the
///    event that caused it, not to the others of its batch), then batches of events never tried,
///    then failed events whose retry time has come.
///
/// Every attempt is claimed in a commit before its handler runs (`EventStore.claim`). A handler
/// that throws a temporary error is tried again after `HandlerRetryPolicy`'s wait; a payload that
/// cannot be handled (a missing object, a number out of range) fails for good at once.
///
/// One runner per process, used by one thread at a time (the background loop), hence unchecked.
public final class EventRunner: @unchecked Sendable {
    /// Events claimed per commit: the claim and the outcomes each cost one commit per batch.
    static let batchSize = 64
    /// Batches per pass, so that a pass under steady load returns now and then (shutdown).
    static let batchesPerPass = 16
    /// The pause between passes under load: without it, each delivery woke a pass of its own, whose
    /// claim and outcome commits each took the writers' lock from the intake (make bench: about a
    /// third of the lock's time, for batches of one to five events).
    static let gatherMilliseconds = 10

    let policy: HandlerRetryPolicy
    let logger: Logger
    let now: @Sendable () -> Timestamp
    let jitter: @Sendable () -> Double
    let owner: ProcessIdentity
    let injectsFaults: Bool
    let usesWatchdog: Bool
    private let stores: StoreProvider

    /// - `usesWatchdog`: arm `alarm()` around each handler, so that one running past the attempt
    ///   timeout ends the process (counted as a death). Only in a process that serves no request.
    /// - `injectsFaults`: test builds only (`TestFault`); ignored in a release build.
    public init(configuration: Configuration, logger: Logger, now: @escaping @Sendable () -> Timestamp = { .now() },
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, owner: ProcessIdentity = .current(),
                injectsFaults: Bool = false, usesWatchdog: Bool = false) {
        policy = configuration.retryPolicy
        self.logger = logger
        self.now = now
        self.jitter = jitter
        self.owner = owner
        #if DEBUG
        self.injectsFaults = injectsFaults
        #else
        self.injectsFaults = false
        #endif
        self.usesWatchdog = usesWatchdog
        // Claims and outcomes need no sync of their own: the intake's next sync or a checkpoint
        // makes them durable, and a power cut that loses them makes the runner do them again
        // (handlers apply the newest state only). Not syncing keeps the writers' lock short, and
        // so does checkpointing on a thread of its own (Checkpointer).
        stores = StoreProvider(configuration: configuration, defersSync: true,
                               checkpointer: Checkpointer.ifNeeded(configuration: configuration, logger: logger))
    }

    /// The runner as a program's background work.
    public var backgroundWork: BackgroundWork {
        BackgroundWork(idleMilliseconds: policy.sweepIntervalMilliseconds, gatherMilliseconds: EventRunner.gatherMilliseconds) { [self] in
            runPass()
        }
    }

    /// One pass (see the type's comment); returns how many events it ran. A storage fault ends the
    /// pass early: the next one tries again.
    @discardableResult
    public func runPass() -> Int {
        var handled = 0
        do {
            try endLostAttempts()
            for _ in 0..<EventRunner.batchesPerPass {
                let time = now()
                var ids = try stores.withStore { store in try store.claim(.suspect, owner: owner.text, at: time, limit: 1) }
                if ids.isEmpty { ids = try stores.withStore { store in try store.claim(.fresh, owner: owner.text, at: time, limit: EventRunner.batchSize) } }
                if ids.isEmpty { ids = try stores.withStore { store in try store.claim(.due, owner: owner.text, at: time, limit: EventRunner.batchSize) } }
                if ids.isEmpty { break }
                handled += try run(ids)
            }
        } catch {
            logger.warn("event runner: cannot reach the store now; the next pass tries again", [("error", .string("\(error)"))])
        }
        return handled
    }

    /// Attempts in progress that will never report: ended, with a death counted when their process
    /// died. Attempts of this very runner found here lost their outcome (its commit failed): taken back.
    private func endLostAttempts() throws {
        let time = now()
        let attempts = try stores.withStore { store in try store.attemptsInProgress() }
        var ended: [(attempt: AttemptInProgress, end: AttemptEnd)] = []
        for attempt in attempts {
            let died: Bool
            if attempt.owner == owner.text {
                died = false
            } else {
                let identity = ProcessIdentity(text: attempt.owner)
                let isKnownDead = identity?.isKnownDead ?? true
                // Twice the timeout: a batch's attempts share the claim's time and run one after another.
                let overran = attempt.startedAt.map { $0.adding(seconds: policy.attemptTimeoutSeconds * 2) < time } ?? true
                guard isKnownDead || overran else { continue }
                // An overrun on this host with its process alive is a lost outcome, not a death (the
                // watchdog would have ended a handler that hung); elsewhere it cannot be told apart.
                died = isKnownDead || identity?.host != owner.host
            }
            let end = AttemptEnd.decide(attempt, died: died, policy: policy)
            ended.append((attempt, end))
            if died {
                logger.warn("a handler's process died during its attempt", [("event_id", .int(Int(attempt.eventID))),
                                                                            ("attempts", .int(attempt.attempts)),
                                                                            ("deaths", .int(attempt.deaths + 1))])
            }
            if case .giveUp(let reason, _) = end {
                logger.error("event given up", [("event_id", .int(Int(attempt.eventID))), ("reason", .string(reason))])
            }
        }
        try stores.withStore { store in try store.endAttempts(ended, at: time) }
    }

    /// Runs the claimed events' handlers and commits their outcomes together.
    private func run(_ ids: [Int64]) throws -> Int {
        var items: [WriteItem] = []
        var tries: [Int64: (attempts: Int, receivedAt: Timestamp)] = [:]
        for id in ids {
            guard let stored = try stores.withStore({ store in try store.event(id: id) }) else { continue }
            let receivedAt = Timestamp(iso8601: stored.receivedAt) ?? now()
            tries[id] = (stored.attempts, receivedAt)
            var outcome: EventOutcome
            switch EventProcessor.decode(stored) {
            case .failure(let failure):
                outcome = failure.outcome
            case .success(let event):
                if usesWatchdog { alarm(UInt32(clamping: policy.attemptTimeoutSeconds)) }
                outcome = EventProcessor.outcome(of: event, attempt: stored.attempts, injectingFaults: injectsFaults)
                if usesWatchdog { alarm(0) }
            }
            if outcome.status == .failed {
                outcome.retryAt = retryTime(outcome, attempts: stored.attempts, receivedAt: receivedAt)
                logger.warn("handler failed", [("delivery", .string(stored.deliveryID)), ("event", .string(stored.event)),
                                               ("attempts", .int(stored.attempts)), ("error", .string(outcome.error ?? "")),
                                               ("retry_at", .string(outcome.retryAt?.iso8601 ?? "never"))])
            }
            items.append(.outcome(id: id, outcome, at: now()))
        }
        let results = try stores.withStore { store in try store.commit(items) }
        // An outcome the store refused (its mirror changes broke a constraint): the event fails
        // without them, and is tried again as any temporary failure is.
        var refused: [WriteItem] = []
        for (item, result) in zip(items, results) {
            guard case .failed(let error) = result, case .outcome(let id, _, _) = item, let tried = tries[id] else { continue }
            var failure = EventOutcome(status: .failed, error: "cannot apply the handler's changes: \(error)", isRetryable: true)
            failure.retryAt = retryTime(failure, attempts: tried.attempts, receivedAt: tried.receivedAt)
            refused.append(.outcome(id: id, failure, at: now()))
        }
        if !refused.isEmpty { _ = try stores.withStore { store in try store.commit(refused) } }
        return items.count
    }

    private func retryTime(_ outcome: EventOutcome, attempts: Int, receivedAt: Timestamp) -> Timestamp? {
        guard outcome.isRetryable else { return nil }
        return policy.nextAttempt(afterAttempts: attempts, receivedAt: receivedAt, now: now(), jitter: jitter())
    }
}

extension AttemptEnd {
    /// A death past `maxDeaths`, or any end past `maxAttempts` tries, gives the event up; otherwise
    /// it runs again. Both bounds hold whatever kills or stalls a handler.
    static func decide(_ attempt: AttemptInProgress, died: Bool, policy: HandlerRetryPolicy) -> AttemptEnd {
        if died && attempt.deaths + 1 >= policy.maxDeaths {
            return .giveUp(reason: "gave up after \(attempt.attempts) attempts: the worker died", died: true)
        }
        if attempt.attempts >= max(policy.maxAttempts, policy.maxDeaths) {
            return .giveUp(reason: "gave up after \(attempt.attempts) attempts: no outcome was recorded", died: died)
        }
        return .takeBack(died: died)
    }
}
