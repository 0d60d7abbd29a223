/// What `hubsync redeliver` asked GitHub to send again: all of its SQL, and the one question it
/// asks of the deliveries table.
public final class RedeliveryStore {
    public let database: Database
    private var connection: any SQLConnection { database.connection }

    public init(database: Database) { self.database = database }

    /// Whether a delivery with this GUID is stored (for any hook): then GitHub's failure was only
    /// in the answer (a timeout after the commit), and nothing is missing.
    public func isStored(guid: String) throws -> Bool {
        let statement = try connection.prepare("SELECT 1 FROM deliveries WHERE delivery_id = ? LIMIT 1")
        try statement.bind([.text(guid)])
        return try statement.step()
    }

    /// When this GUID was last asked for, and how many times.
    public func lastRequest(guid: String) throws -> (at: Timestamp, count: Int)? {
        let statement = try connection.prepare("SELECT requested_at, requests FROM redelivery_requests WHERE guid = ?")
        try statement.bind([.text(guid)])
        guard try statement.step(), let at = statement.text(0).flatMap({ Timestamp(iso8601: $0) }) else { return nil }
        return (at, Int(statement.int64(1)))
    }

    public func recordRequest(guid: String, attemptID: Int64, event: String?, at time: Timestamp) throws {
        try database.write {
            try connection.prepare("""
                INSERT INTO redelivery_requests (guid, attempt_id, event, requested_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (guid) DO UPDATE SET attempt_id = excluded.attempt_id, requested_at = excluded.requested_at,
                    requests = redelivery_requests.requests + 1
                """).run([.text(guid), .integer(attemptID), text(event), .text(time.iso8601)])
        }
    }

    /// Forgets requests older than GitHub's retention of deliveries: they can no longer be asked.
    public func forget(requestedBefore time: Timestamp) throws {
        try database.write { try connection.prepare("DELETE FROM redelivery_requests WHERE requested_at < ?").run([.text(time.iso8601)]) }
    }
}
