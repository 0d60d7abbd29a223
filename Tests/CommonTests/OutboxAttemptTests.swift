import Glibc
import Testing
@testable import Common

/// The dispatcher's side of the outbox: due items, tries started once, their ends, and tries taken
/// back from a dispatcher that died; the retry schedule.
@Suite struct OutboxAttemptTests {
    let start = Timestamp(microsecondsSinceEpoch: 1_764_151_977_000_000)

    func storeWithItems(_ count: Int, in directory: TemporaryDirectory) throws -> (EventStore, OutboxStore) {
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .normal)
        let version = QueuedAction(name: "odoo", digest: Array(repeating: 1, count: 32), sealed: [9, 9])
        for number in 0..<count {
            _ = try store.insert([NewEvent(deliveryID: "d-\(number)", hookID: 1, event: "push", action: nil, installationID: 5,
                                           repository: "o/r", sender: nil, body: Array("{\"n\":\(number)}".utf8),
                                           contentType: "application/json", targetType: nil, targetID: nil, receivedAt: start,
                                           actions: [version])])
        }
        return (store, try OutboxStore(database: store.database))
    }

    @Test func aTryIsStartedOnceAndItsEndDecidesWhatComesNext() throws {
        let directory = try TemporaryDirectory()
        let (_, outbox) = try storeWithItems(3, in: directory)
        #expect(try outbox.dueItems(at: start, perAction: 1).map(\.id) == [1])
        #expect(try outbox.startAttempt(id: 1, owner: "a", at: start))
        #expect(try !outbox.startAttempt(id: 1, owner: "b", at: start), "already being tried")
        #expect(try outbox.dueItems(at: start, perAction: 1).map(\.id) == [2])
        let work = try #require(try outbox.work(id: 1))
        #expect(work.attempts == 1 && work.deliveryID == "d-0" && work.body == Array("{\"n\":0}".utf8) && work.sealedVersion == [9, 9])
        #expect(work.installationID == 5 && work.event == "push" && work.action == "odoo")

        let later = start.adding(seconds: 60)
        try outbox.finishAttempt(id: 1, owner: "a", succeeded: false, retryAt: later, result: "HTTP 503", at: start)
        #expect(try outbox.item(id: 1)?.status == .retrying)
        #expect(try outbox.dueItems(at: start, perAction: 1).map(\.id) == [2])
        #expect(try outbox.dueItems(at: later, perAction: 1).map(\.id) == [1])

        #expect(try outbox.startAttempt(id: 2, owner: "a", at: start))
        try outbox.finishAttempt(id: 2, owner: "a", succeeded: true, retryAt: nil, result: "HTTP 200", at: start)
        #expect(try outbox.item(id: 2).map { ($0.status, $0.finishedAt) } ?? (.pending, nil) == (.done, start.iso8601))
        #expect(try outbox.startAttempt(id: 3, owner: "a", at: start))
        try outbox.finishAttempt(id: 3, owner: "a", succeeded: false, retryAt: nil, result: "exit 1", at: start)
        #expect(try outbox.item(id: 3)?.status == .dead)
        #expect(try outbox.dueItems(at: later.adding(seconds: 86_400), perAction: 1).map(\.id) == [1])
    }

    @Test func aTryOfADeadDispatcherIsTakenBackWithItsCountKept() throws {
        let directory = try TemporaryDirectory()
        let (_, outbox) = try storeWithItems(2, in: directory)
        #expect(try outbox.startAttempt(id: 1, owner: "host:1:dead", at: start))
        #expect(try outbox.attemptsInProgress().map(\.owner) == ["host:1:dead"])
        try outbox.takeBack(id: 1, owner: "host:1:dead", at: start)
        #expect(try outbox.attemptsInProgress().isEmpty)
        let item = try #require(try outbox.item(id: 1))
        #expect(item.attempts == 1 && item.status == .pending && item.lastResult == "the dispatcher stopped during this try")
        #expect(try outbox.dueItems(at: start, perAction: 1).map(\.id) == [1])
        // A cancelled item is never started, and the end of a try someone else owns changes nothing.
        _ = try outbox.cancel(ids: [2], at: start)
        #expect(try !outbox.startAttempt(id: 2, owner: "a", at: start))
        try outbox.finishAttempt(id: 1, owner: "nobody", succeeded: true, retryAt: nil, result: "x", at: start)
        #expect(try outbox.item(id: 1)?.status == .pending)
        // The history has the try taken back, and nothing of the end someone else claimed.
        #expect(try outbox.attemptHistory(itemIDs: [1, 2]) == [1: [OutboxAttempt(startedAt: start.iso8601, finishedAt: start.iso8601, succeeded: false,
                                                                                result: "the dispatcher stopped during this try")]])
    }

    /// A lane takes one item at a time: each action's oldest due item, so a backlog of one action
    /// never hides another action's items.
    @Test func eachActionsOldestDueItemIsOfferedWhateverTheOthersBacklog() throws {
        let directory = try TemporaryDirectory()
        let (store, outbox) = try storeWithItems(3, in: directory)
        let other = QueuedAction(name: "deploy", digest: Array(repeating: 2, count: 32), sealed: [8])
        _ = try store.insert([NewEvent(deliveryID: "late", hookID: 1, event: "push", action: nil, installationID: nil, repository: nil,
                                       sender: nil, body: Array("{}".utf8), contentType: "application/json", targetType: nil,
                                       targetID: nil, receivedAt: start, actions: [other])])
        #expect(try outbox.dueItems(at: start, perAction: 1).map { "\($0.id) \($0.action)" } == ["1 odoo", "4 deploy"])
        // Up to `perAction` of each (CONCURRENCY), oldest first, none already being tried.
        #expect(try outbox.dueItems(at: start, perAction: 2).map { "\($0.id) \($0.action)" } == ["1 odoo", "2 odoo", "4 deploy"])
        #expect(try outbox.startAttempt(id: 1, owner: "a", at: start))
        #expect(try outbox.dueItems(at: start, perAction: 5).map(\.id) == [2, 3, 4])
        let version = try #require(try outbox.dueItems(at: start, perAction: 5).last?.versionID)
        #expect(try outbox.sealedVersion(id: version).map { "\($0.name) \($0.sealed)" } == "deploy [8]")
    }

    @Test func theScheduleGivesEachWaitThenDeath() {
        let schedule = [10, 60, 600]
        let now = start
        #expect(RetrySchedule.nextAttempt(afterAttempts: 1, schedule: schedule, retryAfterSeconds: nil, now: now) == now.adding(seconds: 10))
        #expect(RetrySchedule.nextAttempt(afterAttempts: 3, schedule: schedule, retryAfterSeconds: nil, now: now) == now.adding(seconds: 600))
        #expect(RetrySchedule.nextAttempt(afterAttempts: 4, schedule: schedule, retryAfterSeconds: nil, now: now) == nil)
        #expect(RetrySchedule.nextAttempt(afterAttempts: 1, schedule: schedule, retryAfterSeconds: 120, now: now) == now.adding(seconds: 120))
        #expect(RetrySchedule.nextAttempt(afterAttempts: 2, schedule: schedule, retryAfterSeconds: 5, now: now) == now.adding(seconds: 60))
        #expect(RetrySchedule.nextAttempt(afterAttempts: 1, schedule: schedule, retryAfterSeconds: Int.max, now: now)
                == now.adding(seconds: Int64(RetrySchedule.longestRetryAfterSeconds)))
        #expect(RetrySchedule.nextAttempt(afterAttempts: 1, schedule: [], retryAfterSeconds: nil, now: now) == nil)
        #expect(RetrySchedule.nextAttempt(afterAttempts: 0, schedule: schedule, retryAfterSeconds: nil, now: now) == nil)
    }

    /// A version stored by a transaction that rolled back is not taken as known: the next delivery
    /// of that version stores it again (its cached id would name no row).
    @Test func aVersionStoredByARolledBackTransactionIsStoredAgain() throws {
        let directory = try TemporaryDirectory()
        let (store, _) = try storeWithItems(1, in: directory)
        let outbox = try OutboxStore(connection: store.connection, database: nil)
        let fresh = QueuedAction(name: "fresh", digest: Array(repeating: 3, count: 32), sealed: [5])
        try store.connection.execute("BEGIN")
        try outbox.enqueue(eventID: 1, actions: [fresh], at: start)
        try store.connection.execute("ROLLBACK")
        outbox.transactionEnded(committed: false)
        try store.connection.inTransaction { try outbox.enqueue(eventID: 1, actions: [fresh], at: start) }
        outbox.transactionEnded(committed: true)
        #expect(try store.connection.scalarInt("""
            SELECT count(*) FROM outbox AS o JOIN action_versions AS v ON v.id = o.action_version_id WHERE v.name = 'fresh'
            """) == 1)
    }

    /// The dispatcher's commits queue behind the writers' flock as the intake's do: an intake commit
    /// must never wait on SQLite's busy timeout (and fail) because a dispatcher's fsync stalled.
    @Test(.enabled(if: !TestDatabase.usesPostgreSQL, "SQLite's writers' flock: PostgreSQL locks rows"))
    func outboxWritesTakeTheWritersLock() throws {
        let directory = try TemporaryDirectory()
        let (store, outbox) = try storeWithItems(1, in: directory)
        #expect(try outbox.dueItems(at: start, perAction: 1).count == 1)
        let held = try WriteLock(forDatabase: store.database.sqlite!.path)
        let recorded = RecordedFlag()
        nonisolated(unsafe) let other = outbox  // used by the thread alone until it is done
        try held.withLock {
            let thread = NativeThread {
                _ = try? other.startAttempt(id: 1, owner: "a", at: start)
                recorded.set()
            }
            usleep(300_000)
            #expect(!recorded.isSet, "the try was recorded while another writer held the lock")
            _ = thread
        }
        let deadline = Timestamp.now().adding(seconds: 10)
        while !recorded.isSet && Timestamp.now() < deadline { usleep(10_000) }
        #expect(try outbox.item(id: 1)?.attempts == 1)
    }
}

private final class RecordedFlag: @unchecked Sendable {
    private let lock = ConditionLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
