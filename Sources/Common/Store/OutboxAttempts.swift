/// The dispatcher's side of the outbox (`hubsync dispatch`): due items, tries and their ends.
/// Every try is recorded as started (and counted) in a commit before it runs, so that a dispatcher
/// killed during one leaves a trace: the next dispatcher takes the try back and runs the item again
/// (at least once; the forwarded X-GitHub-Delivery lets a receiver drop the duplicate).
extension OutboxStore {
    /// The oldest items due at `time` of each action, at most `perAction` of each (pending, or
    /// retrying with its wait over, and not being tried), oldest first, with the version each was
    /// queued with: a lane runs one item at a time, and one action's backlog of thousands must not
    /// hide the other actions' items behind a limit. The IN term lets SQLite use the partial index
    /// `outbox_unfinished` (unfinished items only).
    public func dueItems(at time: Timestamp, perAction: Int) throws -> [(id: Int64, action: String, versionID: Int64)] {
        let statement = try connection.prepare("""
            SELECT id, action, action_version_id FROM (
                SELECT id, action, action_version_id, row_number() OVER (PARTITION BY action ORDER BY id) AS position FROM outbox
                WHERE status IN ('pending', 'retrying') AND attempt_started_at IS NULL
                      AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
            ) AS due WHERE position <= ? ORDER BY id
            """)
        try statement.bind([.text(time.iso8601), .integer(Int64(max(1, perAction)))])
        var items: [(Int64, String, Int64)] = []
        while try statement.step() { items.append((statement.int64(0), statement.text(1) ?? "", statement.int64(2))) }
        return items
    }

    /// The sealed text of action version `id` (what `CONCURRENCY` is read from before a try).
    public func sealedVersion(id: Int64) throws -> (name: String, sealed: [UInt8])? {
        let statement = try connection.prepare("SELECT name, sealed FROM action_versions WHERE id = ?")
        try statement.bind([.integer(id)])
        return try statement.step() ? (statement.text(0) ?? "", statement.blob(1)) : nil
    }

    /// Starts a try of item `id` for `owner`, counting it; false when the item is no longer due
    /// (cancelled, finished, or taken by another dispatcher). On PostgreSQL, dispatchers of other
    /// hosts claim at once: an item another one is claiming is skipped (FOR UPDATE SKIP LOCKED),
    /// not waited for, and the update's own WHERE refuses one claimed meanwhile.
    public func startAttempt(id: Int64, owner: String, at time: Timestamp) throws -> Bool {
        try write {
            let claimable = "status IN ('pending', 'retrying') AND attempt_started_at IS NULL"
            let statement = try connection.prepare(connection.dialect == .sqlite ? """
                UPDATE outbox SET attempt_started_at = ?, attempt_owner = ?, attempts = attempts + 1
                WHERE id = ? AND \(claimable)
                """ : """
                UPDATE outbox SET attempt_started_at = ?, attempt_owner = ?, attempts = attempts + 1
                WHERE id = (SELECT id FROM outbox WHERE id = ? AND \(claimable) FOR UPDATE SKIP LOCKED) AND \(claimable)
                """)
            return try connection.changes(running: statement, with: [[.text(time.iso8601), .text(owner), .integer(id)]]) == 1
        }
    }

    /// What a try needs: the delivery as stored and the action's version as it was queued.
    public func work(id: Int64) throws -> OutboxWork? {
        let statement = try connection.prepare("""
            SELECT o.id, o.attempts, o.action, v.sealed, d.delivery_id, d.hook_id, d.event, d.action, d.repository,
                   d.installation_id, d.target_type, d.target_id, d.content_type, d.body
            FROM outbox AS o JOIN deliveries AS d ON d.id = o.event_id JOIN action_versions AS v ON v.id = o.action_version_id
            WHERE o.id = ?
            """)
        try statement.bind([.integer(id)])
        guard try statement.step() else { return nil }
        return OutboxWork(
            itemID: statement.int64(0), attempts: Int(statement.int64(1)), action: statement.text(2) ?? "",
            sealedVersion: statement.blob(3), deliveryID: statement.text(4) ?? "", hookID: statement.int64(5),
            event: statement.text(6) ?? "", eventAction: statement.text(7), repository: statement.text(8),
            installationID: statement.optionalInt64(9), targetType: statement.text(10), targetID: statement.optionalInt64(11),
            contentType: statement.text(12) ?? "application/json", body: statement.blob(13))
    }

    /// Ends the try `owner` started: done, again at `retryAt`, or dead (retryAt nil after a
    /// failure). `result` says what happened ("HTTP 503", "exit 1: ...", truncated by the caller).
    public func finishAttempt(id: Int64, owner: String, succeeded: Bool, retryAt: Timestamp?, result: String, at time: Timestamp) throws {
        let status = succeeded ? "done" : retryAt == nil ? "dead" : "retrying"
        try write {
            try recordAttempt(id: id, owner: owner, succeeded: succeeded, result: result, at: time)
            try connection.prepare("""
                UPDATE outbox SET status = ?, next_attempt_at = ?, last_result = ?, attempt_started_at = NULL, attempt_owner = NULL,
                                  finished_at = CASE WHEN ? IN ('done', 'dead') THEN ? END
                WHERE id = ? AND attempt_owner = ?
                """).run([.text(status), retryAt.map { .text($0.iso8601) } ?? .null, .text(result), .text(status), .text(time.iso8601),
                          .integer(id), .text(owner)])
        }
    }

    /// Tries in progress, with their owners, when they started and the action version they run:
    /// a dispatcher takes back those of a process that died, or whose lease ran out.
    public func attemptsInProgress() throws -> [OutboxAttemptInProgress] {
        let statement = try connection.prepare("""
            SELECT id, attempt_owner, attempt_started_at, action_version_id FROM outbox
            WHERE status IN ('pending', 'retrying') AND attempt_started_at IS NOT NULL
            """)
        var attempts: [OutboxAttemptInProgress] = []
        while try statement.step() {
            attempts.append(OutboxAttemptInProgress(id: statement.int64(0), owner: statement.text(1) ?? "",
                                                    startedAt: statement.text(2).flatMap(Timestamp.init(iso8601:)),
                                                    versionID: statement.int64(3)))
        }
        return attempts
    }

    /// Makes a try that will never report due again now (its count stays: a try that kills its
    /// dispatcher every time ends dead, as any other failing try).
    public func takeBack(id: Int64, owner: String, at time: Timestamp) throws {
        try write {
            try recordAttempt(id: id, owner: owner, succeeded: false, result: OutboxStore.stoppedDuringTry, at: time)
            try connection.prepare("""
                UPDATE outbox SET attempt_started_at = NULL, attempt_owner = NULL, next_attempt_at = ?,
                                  last_result = ?
                WHERE id = ? AND attempt_owner = ?
                """).run([.text(time.iso8601), .text(OutboxStore.stoppedDuringTry), .integer(id), .text(owner)])
        }
    }

    static let stoppedDuringTry = "the dispatcher stopped during this try"

    /// The try `owner` started, into the item's history (before the update that forgets its start).
    private func recordAttempt(id: Int64, owner: String, succeeded: Bool, result: String, at time: Timestamp) throws {
        try connection.prepare("""
            INSERT INTO outbox_attempts (item_id, started_at, finished_at, succeeded, result)
            SELECT id, attempt_started_at, ?, ?, ? FROM outbox WHERE id = ? AND attempt_owner = ?
            """).run([.text(time.iso8601), .integer(succeeded ? 1 : 0), .text(result), .integer(id), .text(owner)])
    }

    /// The finished tries of items `ids`, oldest first, by item.
    public func attemptHistory(itemIDs ids: [Int64]) throws -> [Int64: [OutboxAttempt]] {
        let statement = try connection.prepare("""
            SELECT started_at, finished_at, succeeded, result FROM outbox_attempts WHERE item_id = ? ORDER BY id
            """)
        var history: [Int64: [OutboxAttempt]] = [:]
        for id in ids {
            try statement.bind([.integer(id)])
            while try statement.step() {
                history[id, default: []].append(OutboxAttempt(startedAt: statement.text(0), finishedAt: statement.text(1) ?? "",
                                                              succeeded: statement.int64(2) != 0, result: statement.text(3) ?? ""))
            }
            statement.reset()
        }
        return history
    }
}

/// A try some dispatcher started and has not ended.
public struct OutboxAttemptInProgress: Sendable, Equatable {
    public var id: Int64
    public var owner: String
    public var startedAt: Timestamp?
    public var versionID: Int64
}

/// A finished try of an outbox item.
public struct OutboxAttempt: Sendable, Equatable {
    public var startedAt: String?
    public var finishedAt: String
    public var succeeded: Bool
    public var result: String

    public init(startedAt: String?, finishedAt: String, succeeded: Bool, result: String) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.succeeded = succeeded
        self.result = result
    }
}

/// One outbox item as a try needs it.
public struct OutboxWork: Sendable {
    public var itemID: Int64
    public var attempts: Int
    public var action: String
    public var sealedVersion: [UInt8]
    public var deliveryID: String
    public var hookID: Int64
    public var event: String
    public var eventAction: String?
    public var repository: String?
    public var installationID: Int64?
    public var targetType: String?
    public var targetID: Int64?
    public var contentType: String
    public var body: [UInt8]
}

extension OutboxWork {
    /// A stored event as a first try of `action` outside the outbox (`hubsync actions test`).
    public init(event: StoredEvent, action: String) {
        self.init(itemID: 0, attempts: 1, action: action, sealedVersion: [], deliveryID: event.deliveryID, hookID: event.hookID,
                  event: event.event, eventAction: event.action, repository: event.repository, installationID: event.installationID,
                  targetType: nil, targetID: nil, contentType: event.contentType, body: event.body)
    }
}

/// When a failed try is followed by another: the action's schedule, by the number of tries made,
/// or later when the destination asked (Retry-After, at most a day); nil when the schedule is
/// used up (the item is dead).
public enum RetrySchedule {
    public static let longestRetryAfterSeconds = 86_400

    public static func nextAttempt(afterAttempts attempts: Int, schedule: [Int], retryAfterSeconds: Int?, now: Timestamp) -> Timestamp? {
        guard attempts >= 1, attempts <= schedule.count else { return nil }
        var wait = schedule[attempts - 1]
        if let retryAfterSeconds, retryAfterSeconds > wait { wait = min(retryAfterSeconds, longestRetryAfterSeconds) }
        return now.adding(seconds: Int64(wait))
    }
}
