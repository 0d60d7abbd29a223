import PostgreSQL

/// Deliveries and their states (the `events` view): every SQL statement that touches them lives
/// in this type, so that a different store (PostgreSQL) means one new type, not a hunt through
/// handlers.
public final class EventStore {
    public let database: Database
    public var connection: any SQLConnection { database.connection }
    private let insertStatement: any SQLStatement
    private let findStatement: any SQLStatement
    private let skipStatement: any SQLStatement
    private let outcomeStatement: any SQLStatement
    private let savepointStatement: any SQLStatement
    private let releaseStatement: any SQLStatement
    /// The event runner's statements, prepared once per connection: it uses them for every event.
    private let eventByIDStatement: any SQLStatement
    private let claimFreshStatement: any SQLStatement
    private let claimSuspectStatement: any SQLStatement
    private let claimDueStatement: any SQLStatement
    private let startAttemptStatement: any SQLStatement
    private let timingStatement: any SQLStatement
    private let mirror: MirrorStore
    private let outbox: OutboxStore

    private static let columns = """
        id, delivery_id, hook_id, event, action, installation_id, repository, sender, body, content_type,
        received_at, status, attempts, error, processed_at, summary, next_attempt_at, deaths, target_type, target_id
        """

    static let insertSQL = """
        INSERT INTO deliveries (delivery_id, hook_id, event, action, installation_id, repository, sender, body,
                                content_type, target_type, target_id, received_at, secret_fingerprint, signature)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (delivery_id, hook_id) DO NOTHING
        RETURNING id
        """
    static let findSQL = "SELECT id, status FROM events WHERE delivery_id = ? AND hook_id = ?"
    /// After the insert trigger made the state `pending` (a replay it made `skipped` keeps its reason).
    static let skipSQL = "UPDATE event_states SET status = 'skipped', processed_at = ? WHERE event_id = ? AND status = 'pending'"
    /// An outbox item, unless the insert trigger found the delivery a replay (a state with its reason).
    static let enqueueUnlessReplaySQL = """
        INSERT INTO outbox (event_id, action, action_version_id, created_at)
        SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM event_states WHERE event_id = ? AND error IS NOT NULL)
        """

    /// Opens the database, sets the pragmas and brings the schema up to date.
    public convenience init(path: String, syncMode: SyncMode, busyTimeoutMilliseconds: Int, defersSync: Bool = false,
                            handsOverCheckpoints: Bool = false) throws {
        try self.init(database: Database(path: path, syncMode: syncMode, busyTimeoutMilliseconds: busyTimeoutMilliseconds,
                                         defersSync: defersSync, handsOverCheckpoints: handsOverCheckpoints))
    }

    /// The WAL file of the store's connection (see `Database`'s `defersSync`).
    public func journalFile() -> JournalFile? { database.sqlite?.journalFile() }

    public init(database: Database) throws {
        self.database = database
        let connection = database.connection
        mirror = MirrorStore(connection: connection)
        outbox = try OutboxStore(connection: connection, database: nil)
        insertStatement = try connection.prepare(EventStore.insertSQL)
        findStatement = try connection.prepare(EventStore.findSQL)
        skipStatement = try connection.prepare(EventStore.skipSQL)
        // An attempt the event runner claimed was counted when it started; an outcome with no claim
        // (`hubsync events reprocess`) counts its own.
        outcomeStatement = try connection.prepare("""
            UPDATE event_states SET status = ?, summary = ?, error = ?, processed_at = ?, next_attempt_at = ?,
                                    attempts = attempts + CASE WHEN attempt_started_at IS NULL THEN 1 ELSE 0 END,
                                    attempt_started_at = NULL, attempt_owner = NULL
            WHERE event_id = ?
            """)
        savepointStatement = try connection.prepare("SAVEPOINT item")
        releaseStatement = try connection.prepare("RELEASE item")
        eventByIDStatement = try connection.prepare("SELECT \(EventStore.columns) FROM events WHERE id = ?")
        // On PostgreSQL, hosts claim at once: a row another host is claiming is skipped, not
        // waited for (and not claimed twice: the update's WHERE is checked again on the row).
        let skipLocked = connection.dialect == .postgreSQL ? " FOR UPDATE SKIP LOCKED" : ""
        func claimUntried(_ deaths: String) throws -> any SQLStatement {
            try connection.prepare("""
                SELECT event_id FROM event_states AS s
                WHERE s.status IN ('pending', 'failed') AND s.status = 'pending' AND s.attempt_started_at IS NULL
                      AND s.deaths \(deaths)
                ORDER BY s.event_id LIMIT ?\(skipLocked)
                """)
        }
        claimFreshStatement = try claimUntried("= 0")
        claimSuspectStatement = try claimUntried("> 0")
        claimDueStatement = try connection.prepare("""
            SELECT event_id FROM event_states AS s
            WHERE s.next_attempt_at IS NOT NULL AND s.next_attempt_at <= ? AND s.status = 'failed'
            ORDER BY s.next_attempt_at LIMIT ?\(skipLocked)
            """)
        startAttemptStatement = try connection.prepare("""
            UPDATE event_states SET status = 'pending', attempts = attempts + 1, attempt_started_at = ?, attempt_owner = ?,
                                    next_attempt_at = NULL
            WHERE event_id = ?
            """)
        // One row per hour and event, whatever the traffic: the console's "slowest handlers" read
        // a day of them instead of a day of events.
        timingStatement = try connection.prepare("""
            INSERT INTO handler_timings (hour, event, handled, total_us, slowest_us, slowest_event_id) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (hour, event) DO UPDATE SET
                handled = handler_timings.handled + excluded.handled, total_us = handler_timings.total_us + excluded.total_us,
                slowest_event_id = CASE WHEN excluded.slowest_us > handler_timings.slowest_us THEN excluded.slowest_event_id
                                        ELSE handler_timings.slowest_event_id END,
                slowest_us = \(connection.dialect == .sqlite ? "max" : "greatest")(handler_timings.slowest_us, excluded.slowest_us)
            """)
    }

    /// Applies `items` in one transaction, so one fsync covers them all (group commit), and
    /// returns one result per item, in order. Each item is a single statement, or several in a
    /// savepoint (`asOneItem`); an item that fails (a constraint, a trigger) is reported and the
    /// others commit. SQLite undoes a failed statement alone and keeps the transaction (its default
    /// ABORT conflict resolution, https://sqlite.org/lang_conflict.html), so it needs no savepoint
    /// per item; PostgreSQL refuses everything after a failed statement, so there the batch is
    /// rolled back and applied again with that item marked failed (at most once per item, and a
    /// failure is rare: a duplicate is no failure). A storage fault (read-only, full, I/O error,
    /// busy, the server gone), a transaction abandoned, or a failed COMMIT throws for the whole
    /// batch: nothing of it may be acknowledged.
    ///
    /// A delivery already stored is left as it was, including its first body: GitHub reuses the
    /// delivery GUID on redelivery (docs/github-protocol.md, section 4).
    public func commit(_ items: [WriteItem]) throws -> [WriteResult] {
        let pipelined = pipelinedDeliveries(items)
        var failedBefore: [Int: any Error] = [:]
        while true {
            do {
                if let (connection, events) = pipelined { return try insertPipelined(events, on: connection, failing: failedBefore) }
                return try commitOnce(items, failing: failedBefore)
            } catch let failure as ItemFailure where failedBefore[failure.index] == nil {
                failedBefore[failure.index] = failure.cause
            }
        }
    }

    /// The intake's batches on PostgreSQL: deliveries only, whose actions' versions are known. Those
    /// go in two round trips (`insertPipelined`) instead of one per statement.
    private func pipelinedDeliveries(_ items: [WriteItem]) -> (PostgreSQLStoreConnection, [NewEvent])? {
        guard let connection = connection as? PostgreSQLStoreConnection else { return nil }
        var events: [NewEvent] = []
        for item in items {
            guard case .insert(let event) = item, event.actions.allSatisfy({ outbox.committedVersionID(of: $0) != nil }) else { return nil }
            events.append(event)
        }
        return (connection, events)
    }

    /// A batch of deliveries in two round trips of libpq's pipeline mode: BEGIN and every INSERT
    /// at once; then, with the ids they returned, each new delivery's skip and outbox items, the
    /// stored rows of those already there (duplicates), and COMMIT, at once. Each round trip costs
    /// both processes a wake-up and the server a context switch, which on make bench's two cores
    /// was the limit. A delivery whose INSERT fails is reported alone (the batch is applied
    /// again without it); a failure after the inserts fails the batch, as on SQLite.
    private func insertPipelined(_ events: [NewEvent], on connection: PostgreSQLStoreConnection,
                                 failing failedBefore: [Int: any Error]) throws -> [WriteResult] {
        let live = events.indices.filter { failedBefore[$0] == nil }
        var results = events.indices.map { index in failedBefore[index].map { WriteResult.failed($0) } }
        guard !live.isEmpty else { return results.map { $0! } }
        let inserted: [[[SQLValue]]]
        do {
            inserted = try connection.pipeline([("BEGIN", [])] + live.map { (EventStore.insertSQL, insertValues(events[$0])) })
        } catch let error as PostgreSQLError where !isTransientStorageFault(error) && (error.failedStatement ?? 0) >= 1 {
            throw ItemFailure(index: live[error.failedStatement! - 1], cause: error)
        }
        var second: [(sql: String, values: [SQLValue])] = []
        var lookups: [(index: Int, statement: Int)] = []
        for (position, index) in live.enumerated() {
            let event = events[index]
            guard let row = inserted[position + 1].first, case .integer(let id) = row[0] else {
                lookups.append((index, second.count))
                second.append((EventStore.findSQL, [.text(event.deliveryID), .integer(event.hookID)]))
                continue
            }
            results[index] = .inserted(.stored(id: id))
            if !event.hasHandler { second.append((EventStore.skipSQL, [.text(event.receivedAt.iso8601), .integer(id)])) }
            for action in event.actions {
                second.append((EventStore.enqueueUnlessReplaySQL, [.integer(id), .text(action.name), .integer(outbox.committedVersionID(of: action)!),
                                                                   .text(event.receivedAt.iso8601), .integer(id)]))
            }
        }
        second.append(("COMMIT", []))
        let found: [[[SQLValue]]]
        do {
            found = try connection.pipeline(second)
        } catch {
            // The pipeline rolls back what it began; a failure before it (preparing a statement)
            // leaves phase one's transaction open: nothing of the batch may be committed later.
            if connection.transactionState != .none { try? connection.execute("ROLLBACK") }
            throw isTransientStorageFault(error) ? error : BatchFailure(cause: error)
        }
        for (index, statement) in lookups {
            guard let row = found[statement].first, case .integer(let id) = row[0] else {
                throw BatchFailure(cause: PostgreSQLError(message: "conflicting row not found"))
            }
            let status = if case .text(let text) = row[1] { EventStatus(rawValue: text) ?? .pending } else { EventStatus.pending }
            results[index] = .inserted(.duplicate(id: id, status: status))
        }
        return results.map { $0! }
    }

    private func commitOnce(_ items: [WriteItem], failing failedBefore: [Int: any Error]) throws -> [WriteResult] {
        var committed = false
        defer { outbox.transactionEnded(committed: committed) }
        return try database.withWriteLock {
            let results = try connection.inTransaction {
                var results: [WriteResult] = []
                results.reserveCapacity(items.count)
                var timings = HandlerTimings()
                for (index, item) in items.enumerated() {
                    if let error = failedBefore[index] {
                        results.append(.failed(error))
                        continue
                    }
                    do {
                        results.append(try apply(item))
                        if case .outcome(let id, let outcome, let time) = item, let timing = outcome.handlerTiming {
                            timings.add(timing, eventID: id, at: time)
                        }
                    } catch {
                        // A storage fault is no fault of this item: fail the batch, so that the
                        // connection is reopened and nothing of the batch is acknowledged.
                        if isTransientStorageFault(error) || error is BatchFailure { throw error }
                        switch connection.transactionState {
                        case .open: results.append(.failed(error))
                        case .failed: throw ItemFailure(index: index, cause: error)
                        case .none: throw error
                        }
                    }
                }
                for (key, sum) in timings.sums {
                    try timingStatement.run([.text(key.hour), .text(key.event), .integer(sum.handled), .integer(sum.totalMicroseconds),
                                             .integer(sum.slowestMicroseconds), .integer(sum.slowestEventID)])
                }
                return results
            }
            committed = true
            return results
        }
    }

    private func apply(_ item: WriteItem) throws -> WriteResult {
        switch item {
        case .insert(let event):
            return .inserted(try insertOne(event))
        case .outcome(let id, let outcome, let time):
            // Mirror changes and the state.
            try asOneItem {
                for change in outcome.changes { try mirror.apply(change, sourceEventID: id) }
                try outcomeStatement.run([
                    .text(outcome.status.rawValue), optionalText(outcome.summary?.jsonText), optionalText(outcome.error),
                    .text(time.iso8601), optionalText(outcome.status == .failed ? outcome.retryAt?.iso8601 : nil), .integer(id),
                ])
            }
            return .recorded
        case .retryNow(let id, let time):
            try connection.prepare("UPDATE event_states SET next_attempt_at = ? WHERE event_id = ? AND status = 'failed'")
                .run([.text(time.iso8601), .integer(id)])
            return .recorded
        }
    }

    /// Several statements as one item of a batch, which fails or commits whole (a savepoint).
    private func asOneItem<T>(_ body: () throws -> T) throws -> T {
        try savepointStatement.run([])
        do {
            let value = try body()
            try releaseStatement.run([])
            return value
        } catch {
            if connection.transactionState != .none { try? connection.execute("ROLLBACK TO item; RELEASE item") }
            throw error
        }
    }

    /// Stores `events` in one transaction; one outcome per event, in order.
    public func insert(_ events: [NewEvent]) throws -> [InsertOutcome] {
        try commit(events.map { .insert($0) }).map { result in
            switch result {
            case .inserted(let outcome): return outcome
            case .failed(let error): throw error
            case .recorded: preconditionFailure("an insert recorded an outcome")
            }
        }
    }

    private func insertOne(_ event: NewEvent) throws -> InsertOutcome {
        let insertedID: Int64? = try insertStatement.withBindings(insertValues(event)) {
            try insertStatement.step() ? insertStatement.int64(0) : nil
        }
        if let insertedID {
            // The statements that follow the delivery's own touch only rows it just made, with
            // values checked before (a state, outbox items of versions stored first): none fails
            // for this delivery alone, so a failure fails the batch (nothing of it acknowledged)
            // instead of a savepoint per delivery, whose journal of the pages it changed was the
            // largest cost of queueing actions (issue 16).
            do {
                if !event.hasHandler { try skipStatement.run([.text(event.receivedAt.iso8601), .integer(insertedID)]) }
                try outbox.enqueue(eventID: insertedID, actions: event.actions, at: event.receivedAt)
            } catch {
                throw BatchFailure(cause: error)
            }
            return .stored(id: insertedID)
        }
        try findStatement.bind([.text(event.deliveryID), .integer(event.hookID)])
        defer { findStatement.reset() }
        guard try findStatement.step() else {
            throw SQLiteError(code: 1, message: "conflicting row not found", sql: findStatement.sql)
        }
        return .duplicate(id: findStatement.int64(0), status: EventStatus(rawValue: findStatement.text(1) ?? "") ?? .pending)
    }

    private func insertValues(_ event: NewEvent) -> [SQLValue] {
        [
            .text(event.deliveryID), .integer(event.hookID), .text(event.event), optionalText(event.action),
            optionalInteger(event.installationID), optionalText(event.repository), optionalText(event.sender),
            .blob(event.body), .text(event.contentType), optionalText(event.targetType),
            optionalInteger(event.targetID), .text(event.receivedAt.iso8601), optionalText(event.secretFingerprint),
            event.signature.map { .blob($0) } ?? .null,
        ]
    }

    /// Records what the handlers made of event `id`, and counts the attempt.
    public func recordOutcome(id: Int64, _ outcome: EventOutcome, at time: Timestamp) throws {
        if case .failed(let error) = try commit([.outcome(id: id, outcome, at: time)])[0] { throw error }
    }

    public func event(id: Int64) throws -> StoredEvent? {
        try eventByIDStatement.bind([.integer(id)])
        defer { eventByIDStatement.reset() }  // a statement left on a row keeps its read transaction open
        return try eventByIDStatement.step() ? storedEvent(from: eventByIDStatement) : nil
    }

    public func event(deliveryID: String, hookID: Int64) throws -> StoredEvent? {
        let statement = try connection.prepare("SELECT \(EventStore.columns) FROM events WHERE delivery_id = ? AND hook_id = ?")
        try statement.bind([.text(deliveryID), .integer(hookID)])
        return try statement.step() ? storedEvent(from: statement) : nil
    }

    // -- Handler attempts (the event runner's). The IN term lets SQLite use the partial index
    // `event_states_unfinished`, whose WHERE it must see word for word.

    /// Attempts started and not finished, oldest first.
    public func attemptsInProgress() throws -> [AttemptInProgress] {
        let statement = try connection.prepare("""
            SELECT event_id, attempt_owner, attempt_started_at, attempts, deaths FROM event_states AS s
            WHERE s.status IN ('pending', 'failed') AND s.status = 'pending' AND s.attempt_started_at IS NOT NULL
            ORDER BY s.event_id
            """)
        var attempts: [AttemptInProgress] = []
        while try statement.step() {
            attempts.append(AttemptInProgress(
                eventID: statement.int64(0), owner: statement.text(1) ?? "", startedAt: statement.text(2).flatMap { Timestamp(iso8601: $0) },
                attempts: Int(statement.int64(3)), deaths: Int(statement.int64(4))))
        }
        return attempts
    }

    /// Ends attempts that will never report, in one commit: each is taken back so that it can run
    /// again, with a death counted when its process died, or its event is given up (`failed` with
    /// no retry). The owner read with the attempt must still be there, so an attempt that finished
    /// or was taken over meanwhile is left alone.
    public func endAttempts(_ decisions: [(attempt: AttemptInProgress, end: AttemptEnd)], at time: Timestamp) throws {
        guard !decisions.isEmpty else { return }
        try database.write {
            let release = try connection.prepare("""
                UPDATE event_states SET deaths = deaths + ?, attempt_started_at = NULL, attempt_owner = NULL
                WHERE event_id = ? AND status = 'pending' AND attempt_owner = ?
                """)
            let giveUp = try connection.prepare("""
                UPDATE event_states SET status = 'failed', error = ?, processed_at = ?, next_attempt_at = NULL,
                                        deaths = deaths + ?, attempt_started_at = NULL, attempt_owner = NULL
                WHERE event_id = ? AND status = 'pending' AND attempt_owner = ?
                """)
            for (attempt, end) in decisions {
                switch end {
                case .takeBack(let died):
                    try release.run([.integer(died ? 1 : 0), .integer(attempt.eventID), .text(attempt.owner)])
                case .giveUp(let reason, let died):
                    try giveUp.run([.text(reason), .text(time.iso8601), .integer(died ? 1 : 0), .integer(attempt.eventID),
                                    .text(attempt.owner)])
                }
            }
        }
    }

    /// Starts attempts: in one commit, marks up to `limit` events of `kind` as tried by `owner` at
    /// `time`, before any handler runs (so a handler that kills its process is known to have
    /// done so), and returns their ids in the order to run them.
    public func claim(_ kind: ClaimKind, owner: String, at time: Timestamp, limit: Int) throws -> [Int64] {
        try database.write {
            let select: any SQLStatement
            switch kind {
            case .suspect, .fresh:
                select = kind == .suspect ? claimSuspectStatement : claimFreshStatement
                try select.bind([.integer(Int64(limit))])
            case .due:
                select = claimDueStatement
                try select.bind([.text(time.iso8601), .integer(Int64(limit))])
            }
            var ids: [Int64] = []
            while try select.step() { ids.append(select.int64(0)) }
            select.reset()
            for id in ids { try startAttemptStatement.run([.text(time.iso8601), .text(owner), .integer(id)]) }
            return ids
        }
    }

    /// The newest `limit` events, newest first: `EventQueries.list` without a filter, which walks
    /// the rowid backwards and so reads `limit` rows whatever the table's size.
    public func recentEvents(limit: Int) throws -> [EventListing] {
        try EventQueries(database: database).list(EventFilter(), limit: limit)
    }

    /// SQLite's plan for `recentEvents`, for tests that guard against a full scan or a sort.
    public func recentEventsQueryPlan() throws -> [String] {
        try EventQueries(database: database).listQueryPlan(EventFilter(), limit: 50)
    }

    public func count(status: EventStatus? = nil) throws -> Int {
        let statement = try connection.prepare(
            status == nil ? "SELECT count(*) FROM event_states" : "SELECT count(*) FROM event_states WHERE status = ?")
        try statement.bind(status.map { [.text($0.rawValue)] } ?? [])
        try statement.step()
        return Int(statement.int64(0))
    }

    private func storedEvent(from row: any SQLStatement) -> StoredEvent {
        StoredEvent(
            id: row.int64(0), deliveryID: row.text(1) ?? "", hookID: row.int64(2), event: row.text(3) ?? "",
            action: row.text(4), installationID: row.optionalInt64(5), repository: row.text(6), sender: row.text(7),
            body: row.blob(8), contentType: row.text(9) ?? "", receivedAt: row.text(10) ?? "",
            status: EventStatus(rawValue: row.text(11) ?? "") ?? .pending, attempts: Int(row.int64(12)),
            error: row.text(13), processedAt: row.text(14), summary: row.text(15), nextAttemptAt: row.text(16),
            deaths: Int(row.int64(17)), targetType: row.text(18), targetID: row.optionalInt64(19))
    }
}

private func optionalText(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
private func optionalInteger(_ value: Int64?) -> SQLValue { value.map { .integer($0) } ?? .null }

/// Item `index` of a batch failed on PostgreSQL, whose transaction cannot go on after a failed
/// statement: the batch is applied again without it.
private struct ItemFailure: Error {
    let index: Int
    let cause: any Error
}

/// A statement that cannot fail for one delivery alone (EventStore.insertOne) failed: the whole
/// batch fails, and nothing of it is acknowledged.
struct BatchFailure: Error, CustomStringConvertible {
    let cause: any Error
    var description: String { "\(cause)" }
}
