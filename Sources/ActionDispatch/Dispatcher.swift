import Common

/// `hubsync dispatch`: runs the outbox. Each action has a lane of its own, a thread that runs its
/// items one at a time in the order they were queued, so a slow or dead destination delays only
/// its own items, and one action's runs never overlap.
///
/// A pass: tries left behind by a dispatcher that died are taken back (their count kept), then each
/// idle lane gets its oldest due item, whose try is recorded as started in a commit before it runs
/// (so a dispatcher killed at any moment leaves a trace the next one acts on: at least once). The
/// lane opens the item's action version (sealed when the delivery was queued, so it runs as the
/// file was then), runs it (`Forwarder`, `CommandRunner`), and records the end: done, retrying
/// after the schedule's next wait (or the destination's longer Retry-After), or dead.
public final class Dispatcher: @unchecked Sendable {
    let environment: DispatchEnvironment
    private let store: OutboxStore
    // Guarded by `lock`, whose condition wakes `waitForLanes`.
    private let lock = ConditionLock()
    private var lanes: [String: Lane] = [:]
    private var busy: Set<String> = []

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
            for (id, action) in try store.oldestDueItemOfEachAction(at: time) {
                guard let lane = reserveLane(action) else { continue }
                guard try store.startAttempt(id: id, owner: environment.owner.text, at: time) else {
                    release(action)
                    continue
                }
                lane.run(itemID: id)
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

    /// The lane of `action` if it is idle, marked busy; nil when it is running an item.
    private func reserveLane(_ action: String) -> Lane? {
        lock.withLock {
            guard !busy.contains(action) else { return nil }
            busy.insert(action)
            if let lane = lanes[action] { return lane }
            let lane = Lane(action: action, dispatcher: self)
            lanes[action] = lane
            return lane
        }
    }

    fileprivate func release(_ action: String) {
        lock.withLock {
            busy.remove(action)
            lock.broadcast()
        }
    }

    /// Tries whose dispatcher is known to be dead (this host, no such process) are due again.
    private func takeBackAbandonedTries() throws {
        for attempt in try store.attemptsInProgress() where attempt.owner != environment.owner.text {
            guard ProcessIdentity(text: attempt.owner)?.isKnownDead ?? true else { continue }
            try store.takeBack(id: attempt.id, owner: attempt.owner, at: environment.now())
            environment.logger.warn("took back a try its dispatcher left unfinished", [("item", .int(Int(attempt.id)))])
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

/// One action's thread, with a store connection and an HTTP handle of its own.
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
            dispatcher.release(action)
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
