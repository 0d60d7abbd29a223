import Common
import Glibc

/// `hubsync-bench generate DB ROWS`: adds ROWS processed events quickly (synchronous=OFF, 50,000 per
/// transaction, not through HTTP), with random GUIDs as delivery ids so the unique index grows as
/// it does in service. Bodies are 600 bytes (a ping's size) to keep 5M rows at a few GB.
/// `hubsync-bench query DB`: times the events-list query (`recentEvents(limit: 50)`).
enum Growth {
    static func generate(_ arguments: [String]) throws {
        guard arguments.count >= 2, let rows = Int(arguments[1]) else { throw BenchError("usage: hubsync-bench generate DB ROWS") }
        let store = try EventStore(path: arguments[0], syncMode: .normal, busyTimeoutMilliseconds: 5000)
        try store.connection.execute("PRAGMA synchronous = OFF")
        let body = Array(("{\"zen\":\"" + String(repeating: "x", count: 580) + "\"}").utf8)
        let insert = try store.connection.prepare("""
            INSERT INTO deliveries (delivery_id, hook_id, event, action, installation_id, repository, sender, body, content_type,
                                    received_at)
            VALUES (?, 1, 'push', NULL, 42, 'octo/hello', 'octocat', ?, 'application/json', ?)
            """)
        let markProcessed = try store.connection.prepare("""
            UPDATE event_states SET status = 'processed', attempts = 1, processed_at = ?, summary = '{}' WHERE status = 'pending'
            """)
        var generator = SystemRandomNumberGenerator()
        let start = Timestamp.now()
        var written = 0
        while written < rows {
            try store.connection.inTransaction {
                for _ in 0..<min(50_000, rows - written) {
                    let guid = lowercaseHex((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
                    try insert.run([.text(guid), .blob(body), .text(Timestamp.now().iso8601)])
                    written += 1
                }
                try markProcessed.run([.text(Timestamp.now().iso8601)])
            }
        }
        print("BENCH generated=\(rows) seconds=\(start.millisecondsUntil(.now()) / 1000) total=\(try store.count())")
    }

    static func query(_ arguments: [String]) throws {
        guard let path = arguments.first else { throw BenchError("usage: hubsync-bench query DB") }
        let coldStart = Timestamp.now()
        let store = try EventStore(path: path, syncMode: .full, busyTimeoutMilliseconds: 5000)
        let first = try store.recentEvents(limit: 50)
        let coldMilliseconds = coldStart.millisecondsUntil(.now())
        var samples: [Double] = []
        for _ in 0..<200 {
            let start = Timestamp.now()
            _ = try store.recentEvents(limit: 50)
            samples.append(start.millisecondsUntil(.now()))
        }
        samples.sort()
        print("BENCH rows=\(try store.count()) listed=\(first.count) first_ms=\(coldMilliseconds) p50_ms=\(samples[100]) p99_ms=\(samples[198]) plan=\(try store.recentEventsQueryPlan().joined(separator: ";").replacingSpaces())")
    }
}

extension String {
    func replacingSpaces() -> String { String(map { $0 == " " ? "_" : $0 }) }
}
