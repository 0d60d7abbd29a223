/// The outbox and the action versions (issue 16): all of their SQL.
public final class OutboxStore {
    private let connection: SQLiteConnection
    private let storeVersionStatement: SQLiteStatement
    private let enqueueStatement: SQLiteStatement
    private let isReplayStatement: SQLiteStatement

    public init(connection: SQLiteConnection) throws {
        self.connection = connection
        storeVersionStatement = try connection.prepare("""
            INSERT INTO action_versions (name, digest, sealed, stored_at) VALUES (?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING
            """)
        enqueueStatement = try connection.prepare("""
            INSERT INTO outbox (event_id, action, action_version_id, created_at)
            SELECT ?, name, id, ? FROM action_versions WHERE digest = ?
            """)
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
            try storeVersionStatement.run([.text(action.name), .blob(action.digest), .blob(action.sealed), .text(time.iso8601)])
            try enqueueStatement.run([.integer(eventID), .text(time.iso8601), .blob(action.digest)])
        }
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
