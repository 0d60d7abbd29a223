/// The outbox and the action versions (issue 16): all of their SQL.
public final class OutboxStore {
    let connection: any SQLConnection
    /// Its own transactions are the database's `write`, under SQLite's writers' flock as every
    /// writer's are (the dispatcher's commits beside the intake's: without it, an intake commit
    /// waited on SQLite's busy timeout instead and failed with 503 when a dispatcher's fsync
    /// stalled). nil inside EventStore, whose caller holds the lock already.
    private let database: Database?
    private let storeVersionStatement: any SQLStatement
    private let versionIDStatement: any SQLStatement
    private let enqueueStatement: any SQLStatement
    private let isReplayStatement: any SQLStatement
    /// Action version ids by digest, of versions known to be committed: versions are never changed
    /// nor deleted, so each delivery of a known version is one INSERT of its item. Those stored by
    /// the current transaction are kept apart until it commits (`transactionEnded`).
    private var committedVersionIDs: [[UInt8]: Int64] = [:]
    private var versionIDsInTransaction: [[UInt8]: Int64] = [:]

    public convenience init(database: Database) throws {
        try self.init(connection: database.connection, database: database)
    }

    /// `database` nil: inside EventStore, whose caller holds the writers' lock already.
    init(connection: any SQLConnection, database: Database?) throws {
        self.connection = connection
        self.database = database
        storeVersionStatement = try connection.prepare("""
            INSERT INTO action_versions (name, digest, sealed, stored_at) VALUES (?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING
            """)
        versionIDStatement = try connection.prepare("SELECT id FROM action_versions WHERE digest = ?")
        enqueueStatement = try connection.prepare("INSERT INTO outbox (event_id, action, action_version_id, created_at) VALUES (?, ?, ?, ?)")
        // The insert trigger marks a replay (the same body under a new delivery id) skipped with its
        // reason; every other new delivery's state has no error.
        isReplayStatement = try connection.prepare("SELECT error IS NOT NULL FROM event_states WHERE event_id = ?")
    }

    /// Queues one item per action for the delivery `eventID` just stored, in the caller's
    /// transaction, storing each action's version first if it is new. A replay gets none.
    func enqueue(eventID: Int64, actions: [QueuedAction], at time: Timestamp) throws {
        guard !actions.isEmpty else { return }
        try isReplayStatement.bind([.integer(eventID)])
        let isReplay = try isReplayStatement.step() && isReplayStatement.int64(0) != 0
        isReplayStatement.reset()
        if isReplay { return }
        for action in actions {
            try enqueueStatement.run([.integer(eventID), .text(action.name), .integer(try versionID(of: action, at: time)), .text(time.iso8601)])
        }
    }

    /// The id of the action's version, stored first if it is new.
    private func versionID(of action: QueuedAction, at time: Timestamp) throws -> Int64 {
        if let known = committedVersionIDs[action.digest] ?? versionIDsInTransaction[action.digest] { return known }
        try storeVersionStatement.run([.text(action.name), .blob(action.digest), .blob(action.sealed), .text(time.iso8601)])
        try versionIDStatement.bind([.blob(action.digest)])
        defer { versionIDStatement.reset() }
        guard try versionIDStatement.step() else {
            throw SQLiteError(code: 1, message: "the action version just stored is not there", sql: versionIDStatement.sql)
        }
        let id = versionIDStatement.int64(0)
        versionIDsInTransaction[action.digest] = id
        return id
    }

    /// The id of a version known to be committed, without asking the database; nil when new.
    func committedVersionID(of action: QueuedAction) -> Int64? { committedVersionIDs[action.digest] }

    /// Called by EventStore when the transaction that queued items ends: the versions it stored are
    /// known from then on only if it committed.
    func transactionEnded(committed: Bool) {
        if committed { committedVersionIDs.merge(versionIDsInTransaction) { old, _ in old } }
        versionIDsInTransaction = [:]
    }
}

extension OutboxStore {
    /// A write transaction under the writers' lock.
    func write<T>(_ body: () throws -> T) throws -> T {
        guard let database else { return try connection.inTransaction(body) }
        return try database.write(body)
    }

    static let itemColumns = """
        o.id, o.event_id, d.delivery_id, d.event, d.action, d.repository, o.action, o.action_version_id, o.status, o.attempts,
        o.next_attempt_at, o.attempt_started_at, o.last_result, o.created_at, o.finished_at
        """

    /// The newest items first, optionally of one status or one action.
    public func list(status: OutboxStatus? = nil, action: String? = nil, limit: Int) throws -> [OutboxItem] {
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let status { conditions.append("o.status = ?"); values.append(.text(status.rawValue)) }
        if let action { conditions.append("o.action = ?"); values.append(.text(action)) }
        let statement = try connection.prepare("""
            SELECT \(OutboxStore.itemColumns) FROM outbox AS o JOIN deliveries AS d ON d.id = o.event_id
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")) ORDER BY o.id DESC LIMIT ?
            """)
        try statement.bind(values + [.integer(Int64(max(0, limit)))])
        var items: [OutboxItem] = []
        while try statement.step() { items.append(OutboxItem(row: statement)) }
        return items
    }

    /// The items one delivery produced, oldest first (the console's event page).
    public func items(eventID: Int64) throws -> [OutboxItem] {
        let statement = try connection.prepare("""
            SELECT \(OutboxStore.itemColumns) FROM outbox AS o JOIN deliveries AS d ON d.id = o.event_id WHERE o.event_id = ? ORDER BY o.id
            """)
        try statement.bind([.integer(eventID)])
        var items: [OutboxItem] = []
        while try statement.step() { items.append(OutboxItem(row: statement)) }
        return items
    }

    public func item(id: Int64) throws -> OutboxItem? {
        let statement = try connection.prepare("""
            SELECT \(OutboxStore.itemColumns) FROM outbox AS o JOIN deliveries AS d ON d.id = o.event_id WHERE o.id = ?
            """)
        try statement.bind([.integer(id)])
        return try statement.step() ? OutboxItem(row: statement) : nil
    }

    /// Items to run again from the start of their schedule, now: dead, cancelled or retrying ones
    /// (a pending one is left as it is, and so is one whose try is in progress). Returns how many.
    public func retry(ids: [Int64]) throws -> Int {
        try changing(ids, """
            UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = NULL, finished_at = NULL
            WHERE id = ? AND status IN ('dead', 'cancelled', 'retrying') AND attempt_started_at IS NULL
            """)
    }

    /// Items that must not run (again): pending or retrying ones become cancelled. Returns how many.
    public func cancel(ids: [Int64], at time: Timestamp) throws -> Int {
        try changing(ids, "UPDATE outbox SET status = 'cancelled', finished_at = ? WHERE id = ? AND status IN ('pending', 'retrying')",
                     leading: [.text(time.iso8601)])
    }

    /// Runs `sql` once per id (its last parameter, after `leading`) in one transaction; rows changed.
    private func changing(_ ids: [Int64], _ sql: String, leading: [SQLValue] = []) throws -> Int {
        try write {
            try connection.changes(running: connection.prepare(sql), with: ids.map { leading + [.integer($0)] })
        }
    }

    /// For `hubsync stats`: items by status, and the oldest unfinished one's creation time.
    public func counts() throws -> (byStatus: [OutboxStatus: Int], oldestUnfinishedAt: String?) {
        let statement = try connection.prepare("SELECT status, count(*) FROM outbox GROUP BY status")
        var byStatus: [OutboxStatus: Int] = [:]
        while try statement.step() {
            if let status = statement.text(0).flatMap(OutboxStatus.init(rawValue:)) { byStatus[status] = Int(statement.int64(1)) }
        }
        // The partial index's WHERE, word for word, so SQLite uses it.
        let oldest = try connection.scalarText("""
            SELECT created_at FROM outbox WHERE status IN ('pending', 'retrying') ORDER BY id LIMIT 1
            """)
        return (byStatus, oldest)
    }
}

public enum OutboxStatus: String, Sendable, CaseIterable {
    case pending, retrying, done, dead, cancelled
}

/// One outbox item with its delivery's columns, as `hubsync outbox` shows it.
public struct OutboxItem: Sendable, Equatable {
    public var id: Int64
    public var eventID: Int64
    public var deliveryID: String
    public var event: String
    public var eventAction: String?
    public var repository: String?
    public var action: String
    public var actionVersionID: Int64
    public var status: OutboxStatus
    public var attempts: Int
    public var nextAttemptAt: String?
    public var attemptStartedAt: String?
    public var lastResult: String?
    public var createdAt: String
    public var finishedAt: String?

    init(row: any SQLStatement) {
        id = row.int64(0)
        eventID = row.int64(1)
        deliveryID = row.text(2) ?? ""
        event = row.text(3) ?? ""
        eventAction = row.text(4)
        repository = row.text(5)
        action = row.text(6) ?? ""
        actionVersionID = row.int64(7)
        status = OutboxStatus(rawValue: row.text(8) ?? "") ?? .pending
        attempts = Int(row.int64(9))
        nextAttemptAt = row.text(10)
        attemptStartedAt = row.text(11)
        lastResult = row.text(12)
        createdAt = row.text(13) ?? ""
        finishedAt = row.text(14)
    }
}

/// An action a delivery matched, as the intake queues it: the version of the action file it
/// matched (its SHA-256 digest) and that file sealed with the secrets key, so that the dispatcher
/// runs the action as it was when the delivery arrived.
public struct QueuedAction: Sendable, Equatable {
    public var name: String
    public var digest: [UInt8]
    public var sealed: [UInt8]

    public init(name: String, digest: [UInt8], sealed: [UInt8]) {
        self.name = name
        self.digest = digest
        self.sealed = sealed
    }
}
