/// Which events `hubsync events list` and the console's list show.
public struct EventFilter: Sendable, Equatable {
    public var status: EventStatus?
    public var event: String?
    public var repository: String?
    public var since: Timestamp?
    /// Received before this time (the console's time range, with `since`).
    public var until: Timestamp?
    /// The payload's `action` and the sender's login (the console's): no index serves them, so a
    /// page looks at one window of `EventQueries.unindexedWindow` ids at most (`windowStart`).
    public var action: String?
    public var sender: String?
    /// Keyset pagination: only events older than this id (the last one of the previous page).
    public var before: Int64?

    public init(status: EventStatus? = nil, event: String? = nil, repository: String? = nil, since: Timestamp? = nil,
                action: String? = nil, sender: String? = nil, before: Int64? = nil, until: Timestamp? = nil) {
        self.until = until
        self.status = status
        self.event = event
        self.repository = repository
        self.since = since
        self.action = action
        self.sender = sender
        self.before = before
    }
}

/// One hour of `EventQueries.hourlyCounts`: `hour` is `2026-12-02T07` (UTC).
public struct HourlyCount: Sendable, Equatable {
    public var hour: String
    public var total: Int
    public var failed: Int
    public var pending: Int
}

/// Counts for `hubsync stats`.
public struct EventStatistics: Sendable {
    public var byStatus: [String: Int]
    public var byEvent: [String: Int]
}

/// The admin's reads and deletes over the stored events: all of their SQL. (The intake's writes
/// are `EventStore`'s.) Every query here is served by an index, so it stays fast on millions of rows.
public final class EventQueries {
    public let database: Database
    private var connection: any SQLConnection { database.connection }

    private var firstIDStatement: (any SQLStatement)?

    public init(database: Database) { self.database = database }

    /// The WHERE of the partial index `event_states_unfinished` (migration 1), as queries must repeat it.
    static let unfinishedTerm = "s.status IN ('pending', 'failed')"

    static let listingColumns = """
        d.id, d.delivery_id, d.hook_id, d.event, d.action, d.installation_id, d.repository, d.sender, s.status, s.attempts,
        s.error, d.received_at, s.processed_at, s.next_attempt_at
        """

    /// How many delivery ids one page of an unindexed filter (action, sender) looks at: at most
    /// this many rows read whatever the table's size: 25-30 ms warm for 20,000 on make bench's 5M-row
    /// database, but 35 s cold on this machine's disk (rows of 14 KB bodies: a page each).
    public static let unindexedWindow: Int64 = 5_000

    /// The first id a page of `filter` looks at, when an unindexed filter bounds it to a window
    /// (ids from it to `before`, or to the newest); nil when the whole table is in reach.
    public func windowStart(_ filter: EventFilter) throws -> Int64? {
        guard filter.action != nil || filter.sender != nil else { return nil }
        let end = try filter.before ?? ((try connection.scalarInt("SELECT max(id) FROM deliveries") ?? 0) + 1)
        return max(1, end - EventQueries.unindexedWindow)
    }

    /// Newest first, at most `limit`.
    public func list(_ filter: EventFilter, limit: Int) throws -> [EventListing] {
        let (sql, values) = try listQuery(filter, limit: limit)
        let statement = try connection.prepare(sql)
        try statement.bind(values)
        var listings: [EventListing] = []
        while try statement.step() {
            listings.append(EventListing(
                id: statement.int64(0), deliveryID: statement.text(1) ?? "", hookID: statement.int64(2),
                event: statement.text(3) ?? "", action: statement.text(4), installationID: statement.optionalInt64(5),
                repository: statement.text(6), sender: statement.text(7),
                status: EventStatus(rawValue: statement.text(8) ?? "") ?? .pending, attempts: Int(statement.int64(9)),
                error: statement.text(10), receivedAt: statement.text(11) ?? "", processedAt: statement.text(12),
                nextAttemptAt: statement.text(13)))
        }
        return listings
    }

    /// The database's plan for `list`, so that a test can check that no filter scans the table
    /// or sorts: SQLite's EXPLAIN QUERY PLAN details, or PostgreSQL's EXPLAIN lines.
    public func listQueryPlan(_ filter: EventFilter, limit: Int) throws -> [String] {
        let (sql, values) = try listQuery(filter, limit: limit)
        let sqlite = connection.dialect == .sqlite
        let statement = try connection.prepare((sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + sql)
        try statement.bind(values)
        var details: [String] = []
        while try statement.step() { details.append(statement.text(sqlite ? 3 : 0) ?? "") }
        return details
    }

    private func listQuery(_ filter: EventFilter, limit: Int) throws -> (String, [SQLValue]) {
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let status = filter.status {
            // SQLite uses the partial index `event_states_unfinished` only when the query repeats
            // its WHERE term word for word (it does not infer it from `status = 'failed'`).
            if status == .pending || status == .failed { conditions.append(EventQueries.unfinishedTerm) }
            conditions.append("s.status = ?")
            values.append(.text(status.rawValue))
        }
        if let event = filter.event { conditions.append("d.event = ?"); values.append(.text(event)) }
        if let repository = filter.repository { conditions.append("d.repository = ?"); values.append(.text(repository)) }
        // A time bound is also an id bound, so that the scan stays in range: ids are given in commit
        // order, which follows arrival within the busy timeout (5 s), so a minute's margin keeps
        // every delivery the time condition takes.
        if let since = filter.since {
            conditions.append("d.received_at >= ? AND d.id >= ?")
            values += [.text(since.iso8601), .integer(try firstID(receivedAtOrAfter: since.adding(seconds: -60)))]
        }
        if let until = filter.until {
            conditions.append("d.received_at < ? AND d.id < ?")
            values += [.text(until.iso8601), .integer(try firstID(receivedAtOrAfter: until.adding(seconds: 60)))]
        }
        if let action = filter.action { conditions.append("d.action = ?"); values.append(.text(action)) }
        if let sender = filter.sender { conditions.append("d.sender = ?"); values.append(.text(sender)) }
        if let start = try windowStart(filter) { conditions.append("d.id >= ?"); values.append(.integer(start)) }
        let unfinished = (filter.status == .pending || filter.status == .failed) && filter.repository == nil && filter.event == nil
        if let before = filter.before { conditions.append(unfinished ? "s.event_id < ?" : "d.id < ?"); values.append(.integer(before)) }
        values.append(.integer(Int64(limit)))
        // d.id and s.event_id are equal, but SQLite orders by an index only when the ORDER BY names
        // that index's column: for pending or failed alone, walk `event_states_unfinished` backwards;
        // otherwise the deliveries' rowid (processed and skipped events are most of them, so a
        // backwards walk meets them at once) or their (repository, id) / (event, id) index.
        // (INDEXED BY: without ANALYZE statistics SQLite would rather walk every event backwards.)
        let order = unfinished ? "s.event_id" : "d.id"
        return ("""
            SELECT \(EventQueries.listingColumns)
            FROM deliveries AS d JOIN event_states AS s \(unfinished ? connection.indexedBy("event_states_unfinished") : "")ON s.event_id = d.id
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")) ORDER BY \(order) DESC LIMIT ?
            """, values)
    }

    /// Deliveries received in each of `hours` hours from `start` (an hour's first instant), with
    /// how many of them are failed and pending now: the console's charts. Totals come from the
    /// rowid range of each hour (ids are given in arrival order), two index seeks an hour whatever
    /// the table's size; rows pruned inside an hour still count there, so older hours may read a
    /// little high. Failed and pending counts are exact, from the small partial index of
    /// unfinished events.
    public func hourlyCounts(from start: Timestamp, hours: Int) throws -> [HourlyCount] {
        let boundaries = try (0...hours).map { try firstID(receivedAtOrAfter: start.adding(seconds: Int64($0) * 3_600)) }
        var unfinished: [String: (failed: Int, pending: Int)] = [:]
        let statement = try connection.prepare("""
            SELECT substr(d.received_at, 1, 13), count(*) FILTER (WHERE s.status = 'failed'), count(*) FILTER (WHERE s.status = 'pending')
            FROM event_states AS s \(connection.indexedBy("event_states_unfinished"))JOIN deliveries AS d ON d.id = s.event_id
            WHERE \(EventQueries.unfinishedTerm) AND d.received_at >= ? GROUP BY 1
            """)
        try statement.bind([.text(start.iso8601)])
        while try statement.step() {
            unfinished[statement.text(0) ?? ""] = (Int(statement.int64(1)), Int(statement.int64(2)))
        }
        return (0..<hours).map { hour in
            let label = String(start.adding(seconds: Int64(hour) * 3_600).iso8601.prefix(13))
            let counts = unfinished[label] ?? (0, 0)
            return HourlyCount(hour: label, total: Int(max(0, boundaries[hour + 1] - boundaries[hour])),
                               failed: counts.failed, pending: counts.pending)
        }
    }

    /// The id of the first delivery received at or after `time` (one index seek), or the next id
    /// to be given when there is none.
    func firstID(receivedAtOrAfter time: Timestamp) throws -> Int64 {
        // Prepared once: the week's chart asks 169 times.
        let statement = try firstIDStatement ?? connection.prepare("""
            SELECT id FROM deliveries \(connection.indexedBy("deliveries_by_received_at"))WHERE received_at >= ? ORDER BY received_at LIMIT 1
            """)
        firstIDStatement = statement
        try statement.bind([.text(time.iso8601)])
        defer { statement.reset() }
        if try statement.step() { return statement.int64(0) }
        return (try connection.scalarInt("SELECT max(id) FROM deliveries") ?? 0) + 1
    }

    /// Hands event `id` to the event runner again, as new (the console's Reprocess): pending, its
    /// error and deaths cleared (a given-up poison event gets its tries again), its attempts kept.
    /// An event whose try is in progress is left alone. Returns whether it was queued.
    public func requeue(id: Int64) throws -> Bool {
        try database.write {
            let before = connection.totalChanges
            try connection.prepare("""
                UPDATE event_states SET status = 'pending', error = NULL, next_attempt_at = NULL, deaths = 0
                WHERE event_id = ? AND attempt_started_at IS NULL
                """).run([.integer(id)])
            return connection.totalChanges - before == 1
        }
    }

    /// An event by its id, or by its delivery GUID (the newest hook's, if several hooks got it).
    public func eventID(idOrDeliveryID text: String) throws -> Int64? {
        if let id = Int64(text) {
            return try connection.scalarInt("SELECT id FROM deliveries WHERE id = \(id)")
        }
        let statement = try connection.prepare("SELECT id FROM deliveries WHERE delivery_id = ? ORDER BY id DESC LIMIT 1")
        try statement.bind([.text(text)])
        return try statement.step() ? statement.int64(0) : nil
    }

    /// Ids of the events with `status`, oldest first.
    public func eventIDs(status: EventStatus) throws -> [Int64] {
        let unfinished = status == .pending || status == .failed ? EventQueries.unfinishedTerm + " AND " : ""
        let statement = try connection.prepare("SELECT event_id FROM event_states AS s WHERE \(unfinished)s.status = ? ORDER BY event_id")
        try statement.bind([.text(status.rawValue)])
        var ids: [Int64] = []
        while try statement.step() { ids.append(statement.int64(0)) }
        return ids
    }

    /// The fingerprint of the secret that verified event `id`.
    public func secretFingerprint(eventID id: Int64) throws -> String? {
        try connection.scalarText("SELECT secret_fingerprint FROM deliveries WHERE id = \(id)")
    }

    public func newestReceivedAt() throws -> Timestamp? {
        try connection.scalarText("SELECT max(received_at) FROM deliveries").flatMap { Timestamp(iso8601: $0) }
    }

    /// The oldest event still `pending`: handling that has not happened (or is stuck).
    public func oldestPending() throws -> (id: Int64, receivedAt: String)? {
        let statement = try connection.prepare("""
            SELECT d.id, d.received_at FROM event_states AS s JOIN deliveries AS d ON d.id = s.event_id
            WHERE \(EventQueries.unfinishedTerm) AND s.status = 'pending' ORDER BY s.event_id LIMIT 1
            """)
        return try statement.step() ? (statement.int64(0), statement.text(1) ?? "") : nil
    }

    /// Failed events that will run again by themselves, and those given up (all time; both come
    /// from the partial index of unfinished events).
    public func retryCounts() throws -> (retrying: Int, givenUp: Int) {
        let statement = try connection.prepare("""
            SELECT count(s.next_attempt_at), count(*) - count(s.next_attempt_at) FROM event_states AS s
            WHERE \(EventQueries.unfinishedTerm) AND s.status = 'failed'
            """)
        try statement.step()
        return (Int(statement.int64(0)), Int(statement.int64(1)))
    }

    /// Handlers by the slowest run of each event since `since` (hours as `handler_timings` keeps
    /// them), slowest first: a day is 24 rows per event, whatever the traffic.
    public func slowestHandlers(since: Timestamp, limit: Int) throws -> [HandlerTimingSummary] {
        // The id of the slowest run: SQLite takes a bare column from the row that holds max() (its
        // documented "bare columns in an aggregate query"); PostgreSQL has no bare columns, and
        // takes the first of the ids ordered by time.
        let slowestEventID = connection.dialect == .sqlite ? "slowest_event_id" : "(array_agg(slowest_event_id ORDER BY slowest_us DESC))[1]"
        let statement = try connection.prepare("""
            SELECT event, sum(handled), sum(total_us), max(slowest_us), \(slowestEventID) FROM handler_timings
            WHERE hour >= ? GROUP BY event ORDER BY max(slowest_us) DESC, event LIMIT ?
            """)
        try statement.bind([.text(since.iso8601), .integer(Int64(limit))])
        var summaries: [HandlerTimingSummary] = []
        while try statement.step() {
            let handled = statement.int64(1)
            summaries.append(HandlerTimingSummary(event: statement.text(0) ?? "", handled: handled,
                                                  averageMicroseconds: handled > 0 ? statement.int64(2) / handled : 0,
                                                  slowestMicroseconds: statement.int64(3), slowestEventID: statement.int64(4)))
        }
        return summaries
    }

    /// Counts by status and by event of the deliveries received since `since` (nil: all time).
    public func statistics(since: Timestamp?) throws -> EventStatistics {
        func counts(_ sql: String) throws -> [String: Int] {
            let statement = try connection.prepare(sql)
            try statement.bind(since.map { [.text($0.iso8601)] } ?? [])
            var result: [String: Int] = [:]
            while try statement.step() { result[statement.text(0) ?? ""] = Int(statement.int64(1)) }
            return result
        }
        if since == nil {
            // event_states rows are narrow: counting them all is a quick scan.
            return EventStatistics(byStatus: try counts("SELECT status, count(*) FROM event_states GROUP BY status"),
                                   byEvent: try counts("SELECT event, count(*) FROM deliveries GROUP BY event"))
        }
        // INDEXED BY: without ANALYZE statistics SQLite prefers scanning the status or event index
        // (1.3 s on a million rows) to the time range (milliseconds for an hour of deliveries).
        return EventStatistics(
            byStatus: try counts("""
                SELECT s.status, count(*) FROM deliveries AS d \(connection.indexedBy("deliveries_by_received_at"))
                JOIN event_states AS s ON s.event_id = d.id WHERE d.received_at >= ? GROUP BY s.status
                """),
            byEvent: try counts("""
                SELECT event, count(*) FROM deliveries \(connection.indexedBy("deliveries_by_received_at"))WHERE received_at >= ? GROUP BY event
                """))
    }

    /// Events received before `cutoff` with one of `statuses`: how many, and (unless `dryRun`)
    /// deleted, with their handler state and their `pushes` rows (the deliveries' own record). The
    /// current-state tables (pull requests, issues, runs, repositories) keep their values.
    public func prune(receivedBefore cutoff: Timestamp, statuses: [EventStatus], dryRun: Bool) throws -> Int {
        let placeholders = statuses.map { _ in "?" }.joined(separator: ", ")
        let condition = """
            id IN (SELECT d.id FROM deliveries AS d JOIN event_states AS s ON s.event_id = d.id
                   WHERE d.received_at < ? AND s.status IN (\(placeholders))
                     AND NOT EXISTS (SELECT 1 FROM outbox AS o WHERE o.event_id = d.id AND o.status IN ('pending', 'retrying')))
            """
        let values: [SQLValue] = [.text(cutoff.iso8601)] + statuses.map { .text($0.rawValue) }
        if dryRun {
            let statement = try connection.prepare("SELECT count(*) FROM deliveries WHERE \(condition)")
            try statement.bind(values)
            try statement.step()
            return Int(statement.int64(0))
        }
        return try database.write {
            // event_states, pushes and outbox items go with their delivery (ON DELETE CASCADE); changes() counts
            // the deliveries alone.
            let deleted = try connection.changes(running: connection.prepare("DELETE FROM deliveries WHERE \(condition)"), with: [values])
            // The handlers' hourly timings of that time go too (they are the console's, not the events').
            try connection.prepare("DELETE FROM handler_timings WHERE hour < ?").run([.text(cutoff.iso8601)])
            return deleted
        }
    }

    /// Gives the space of deleted rows back to the file system.
    /// VACUUM rewrites the file, so it runs under the writers' lock, outside any transaction.
    public func reclaimSpace() throws {
        guard database.dialect == .sqlite else {
            // PostgreSQL: VACUUM marks the space reusable and gives back the tables' empty ends,
            // without VACUUM FULL's lock that would stop the intake.
            try connection.execute("VACUUM")
            return
        }
        try database.withWriteLock {
            try connection.execute("VACUUM")
            try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }

    /// The database file, or on PostgreSQL the store schema's tables and indexes, in bytes.
    public func sizeInBytes() throws -> Int64 {
        guard database.dialect == .sqlite else {
            return try connection.scalarInt("""
                SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
                WHERE n.nspname = current_schema() AND c.relkind = 'r'
                """) ?? 0
        }
        let pages = try connection.scalarInt("PRAGMA page_count") ?? 0
        let pageSize = try connection.scalarInt("PRAGMA page_size") ?? 0
        return pages * pageSize
    }
}
