import Common

/// `hubsync dispatch`: runs the outbox. Each action has lanes of its own, threads that each run
/// one item at a time: one lane unless its file sets `CONCURRENCY`, so that by default an action's
/// items run in the order they were queued and its runs never overlap, and a slow or dead
/// destination delays only its own items.
///
/// A pass: tries left behind by a dispatcher that died are taken back (their count kept), then each
/// idle lane gets one of its action's oldest due items, whose try is recorded as started in a
/// commit before it runs (so a dispatcher killed at any moment leaves a trace the next one acts on:
/// at least once). The lane opens the item's action version (sealed when the delivery was queued,
/// so it runs as the file was then), runs it (`Forwarder`, `CommandRunner`), and records the end:
/// done, retrying after the schedule's next wait (or the destination's longer Retry-After), or dead.
public final class Dispatcher: @unchecked Sendable {
    let environment: DispatchEnvironment
    private let store: OutboxStore
    // Guarded by `lock`, whose condition wakes `waitForLanes`.
    private let lock = ConditionLock()
    private var lanes: [String: [Lane]] = [:]
    private var busy: Set<ObjectIdentifier> = []
    /// CONCURRENCY and TIMEOUT of each action version seen (versions never change); the pass's
    /// thread alone.
    private var settingsOfVersion: [Int64: (concurrency: Int, timeoutSeconds: Int)] = [:]
    /// How long past its TIMEOUT a try of another host's dispatcher is left alone: its process
    /// group or transfer is ended at the timeout, so a try still open after that (and this margin
    /// for the hosts' clocks) belongs to a dispatcher that died or lost the database.
    public static let leaseGraceSeconds: Int64 = 60

    public init(_ environment: DispatchEnvironment) throws {
        self.environment = environment
        store = try OutboxStore(database: Database(configuration: environment.configuration))
    }

    /// One pass (see the type's comment); returns how many tries it started.
    @discardableResult
    public func pass() -> Int {
        do {
            try takeBackAbandonedTries()
            let time = environment.now()
            var started = 0
            for item in try store.dueItems(at: time, perAction: ActionFile.maximumConcurrency) {
                guard let lane = reserveLane(item.action, limit: try settings(ofVersion: item.versionID).concurrency) else { continue }
                guard try store.startAttempt(id: item.id, owner: environment.owner.text, at: time) else {
                    release(lane)
                    continue
                }
                lane.run(itemID: item.id)
                started += 1
            }
            return started
        } catch {
            environment.logger.warn("dispatcher: cannot reach the store now; the next pass tries again", [("error", .string("\(error)"))])
            return 0
        }
    }

    /// Returns once every lane has finished the try in hand.
    public func waitForLanes() {
        lock.withLock { while !busy.isEmpty { lock.wait() } }
    }

    /// An idle lane of `action`, marked busy (a new one while the action has fewer than `limit`);
    /// nil when `limit` of them are running items.
    private func reserveLane(_ action: String, limit: Int) -> Lane? {
        lock.withLock {
            let existing = lanes[action, default: []]
            let running = existing.filter { busy.contains(ObjectIdentifier($0)) }.count
            guard running < limit else { return nil }
            let lane = existing.first { !busy.contains(ObjectIdentifier($0)) } ?? {
                let lane = Lane(action: action, dispatcher: self)
                lanes[action, default: []].append(lane)
                return lane
            }()
            busy.insert(ObjectIdentifier(lane))
            return lane
        }
    }

    fileprivate func release(_ lane: Lane) {
        lock.withLock {
            busy.remove(ObjectIdentifier(lane))
            lock.broadcast()
        }
    }

    /// The version's CONCURRENCY and TIMEOUT; 1 and the default timeout when it cannot be opened
    /// (its try then fails and says why).
    private func settings(ofVersion id: Int64) throws -> (concurrency: Int, timeoutSeconds: Int) {
        if let known = settingsOfVersion[id] { return known }
        var settings = (concurrency: 1, timeoutSeconds: ActionDefinition.defaultTimeoutSeconds)
        if let version = try store.sealedVersion(id: id),
           let text = try? environment.box.open(version.sealed, associatedData: ActionDefinition.sealingContext(version.name)),
           let action = try? ActionFile.parse(String(decoding: text, as: UTF8.self), path: version.name + ActionFile.fileExtension) {
            settings = (action.concurrency, action.timeoutSeconds)
        }
        settingsOfVersion[id] = settings
        return settings
    }

    /// Tries left unfinished are due again: those of a dispatcher known to be dead (this host, no
    /// such process), and those whose lease ran out (started longer ago than the action's TIMEOUT
    /// and `leaseGraceSeconds`: on another host, the one sign of its dispatcher's death that can be
    /// read from here).
    private func takeBackAbandonedTries() throws {
        let now = environment.now()
        for attempt in try store.attemptsInProgress() where attempt.owner != environment.owner.text {
            let identity = ProcessIdentity(text: attempt.owner)
            let lease = Int64(try settings(ofVersion: attempt.versionID).timeoutSeconds) + Dispatcher.leaseGraceSeconds
            let leaseRanOut = attempt.startedAt.map { $0.adding(seconds: lease) < now } ?? true
            guard identity?.isKnownDead ?? true || leaseRanOut else { continue }
            try store.takeBack(id: attempt.id, owner: attempt.owner, at: now)
            environment.logger.warn("took back a try its dispatcher left unfinished",
                                    [("item", .int(Int(attempt.id))), ("owner", .string(attempt.owner)), ("reason", .string(leaseRanOut ? "its lease ran out" : "its process is gone"))])
        }
    }
}

/// What a dispatcher needs from outside: its configuration, the key the versions are sealed with,
/// a clock (tests move it), who it is, and installation tokens for WITH_TOKEN commands.
public struct DispatchEnvironment: Sendable {
    public var configuration: Configuration
    public var box: SecretBox
    public var logger: Logger
    public var now: @Sendable () -> Timestamp
    public var owner: ProcessIdentity
    /// nil when the GitHub App is not configured.
    public var installationToken: (@Sendable (Int64) throws -> String)?
    public var version: String

    public init(configuration: Configuration, box: SecretBox, logger: Logger, now: @escaping @Sendable () -> Timestamp = { .now() },
                owner: ProcessIdentity = .current(), installationToken: (@Sendable (Int64) throws -> String)?, version: String) {
        self.configuration = configuration
        self.box = box
        self.logger = logger
        self.now = now
        self.owner = owner
        self.installationToken = installationToken
        self.version = version
    }
}

/// One of an action's threads, with a store connection and an HTTP handle of its own.
private final class Lane: @unchecked Sendable {
    let action: String
    unowned let dispatcher: Dispatcher
    // Guarded by `wake`.
    private let wake = ConditionLock()
    private var next: Int64?
    private var thread: NativeThread?
    // Used by the lane's thread alone.
    private var store: OutboxStore?
    private lazy var executor = ActionExecutor(environment: dispatcher.environment)

    init(action: String, dispatcher: Dispatcher) {
        self.action = action
        self.dispatcher = dispatcher
    }

    /// Runs item `itemID`, whose try has started, on this lane's thread.
    func run(itemID: Int64) {
        wake.withLock {
            next = itemID
            wake.signal()
            if thread == nil { thread = NativeThread { [self] in loop() } }
        }
    }

    private func loop() {
        while true {
            let id: Int64 = wake.withLock {
                while next == nil { wake.wait() }
                defer { next = nil }
                return next!
            }
            finish(itemID: id)
            dispatcher.release(self)
        }
    }

    private func finish(itemID: Int64) {
        let environment = dispatcher.environment
        do {
            let store = try self.store ?? OutboxStore(database: Database(configuration: environment.configuration))
            self.store = store
            guard let work = try store.work(id: itemID) else { return }
            let result = attempt(work)
            let now = environment.now()
            let retryAt = result.succeeded ? nil : RetrySchedule.nextAttempt(
                afterAttempts: work.attempts, schedule: result.schedule, retryAfterSeconds: result.retryAfterSeconds, now: now)
            try store.finishAttempt(id: itemID, owner: environment.owner.text, succeeded: result.succeeded, retryAt: retryAt,
                                    result: result.summary, at: now)
            if !result.succeeded {
                environment.logger.warn(retryAt == nil ? "action item dead: its schedule is used up" : "action try failed", [
                    ("action", .string(action)), ("item", .int(Int(itemID))), ("delivery", .string(work.deliveryID)),
                    ("attempts", .int(work.attempts)), ("result", .string(result.summary)), ("retry_at", .string(retryAt?.iso8601 ?? "never"))])
            }
        } catch {
            store = nil  // opened again for the next item; this try stays started and is taken back after a restart
            environment.logger.error("cannot run an action item", [("item", .int(Int(itemID))), ("error", .string("\(error)"))])
        }
    }

    /// One try: the action as queued (its sealed version), run by the executor.
    private func attempt(_ work: OutboxWork) -> ActionExecutor.Result {
        let environment = dispatcher.environment
        let action: ActionDefinition
        do {
            let text = try environment.box.open(work.sealedVersion, associatedData: ActionDefinition.sealingContext(work.action))
            action = try ActionFile.parse(String(decoding: text, as: UTF8.self), path: work.action + ActionFile.fileExtension)
        } catch {
            return ActionExecutor.Result(succeeded: false, summary: "cannot open this item's action version: \(error)", schedule: [])
        }
        return executor.run(action, on: work)
    }
}
