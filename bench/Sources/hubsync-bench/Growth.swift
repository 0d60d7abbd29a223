import Callback
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

/// `hubsync-bench console DB`: the console's pages (issue 17) answered in this process by
/// callback-fcgi's responder, signed in, on DB (make bench's 5M-row database): server time per
/// page, first and median of 20, one line each.
enum ConsoleBench {
    static func run(_ arguments: [String]) throws {
        guard let path = arguments.first else { throw BenchError("usage: hubsync-bench console DB") }
        let keys = path + "-console-keys"
        mkdir(keys, 0o700)
        let configuration = try Configuration(variables: [
            "HUBSYNC_DB": path, "HUBSYNC_KEY_FILE": keys + "/hubsync.key", "HUBSYNC_ADMINS": "bench", "HUBSYNC_LOG_LEVEL": "error",
            "GITHUB_APP_CLIENT_ID": "Iv1.bench",
        ])
        _ = try KeyFile.loadOrCreate(path: configuration.keyFilePath)
        _ = try KeyFile.loadOrCreate(path: configuration.tokenKeyFilePath)
        let services = try CallbackServices(configuration: configuration, logger: Logger(program: "bench", minimumLevel: .error))
        let responder = CallbackResponder(services: services)
        let cookie = AdminSession.cookieName + "=" + services.adminSession.issue(login: "bench", now: .now())
        let newest = try EventStore(path: path, syncMode: .normal, busyTimeoutMilliseconds: 5000).recentEvents(limit: 1).first?.id ?? 1
        let pages = ["/github/admin/", "/github/admin/events", "/github/admin/events?status=failed", "/github/admin/events?event=push",
                     "/github/admin/events?event=issues", "/github/admin/events?repository=octo/hello", "/github/admin/events?action=opened",
                     "/github/admin/events?action=no-such-action", "/github/admin/events?sender=nobody", "/github/admin/events?from=1h",
                     "/github/admin/events?before=\(newest / 2)", "/github/admin/events/\(newest)", "/github/admin/outbox", "/github/admin/integrations"]
        for page in pages {
            let (target, query) = page.contains("?") ? (String(page.split(separator: "?")[0]), String(page.split(separator: "?")[1])) : (page, "")
            let request = HTTPRequest(method: "GET", path: target, query: query, headers: ["host": "bench.example", "cookie": cookie])
            var samples: [Double] = []
            var status = 0
            for _ in 0..<20 {
                let start = Timestamp.now()
                status = responder.respond(request).response.status
                samples.append(start.millisecondsUntil(.now()))
            }
            let first = samples[0]
            samples.sort()
            print("BENCH page=\(page) status=\(status) first_ms=\(first) p50_ms=\(samples[10]) max_ms=\(samples[19])")
        }
    }
}
