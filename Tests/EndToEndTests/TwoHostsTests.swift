import Foundation
import Testing
import TestSupport
@testable import Common

/// Issue 18, "several hosts, one database": two complete stacks (nginx, webhook-fcgi with its
/// workers and event runner) on one PostgreSQL database, as two hosts behind a load balancer.
/// Always on PostgreSQL, whichever pass of make test this is.
@Suite(.serialized) struct TwoHostsTests {
    /// Two hosts on one database, with one webhook secret (as GitHub signs for both).
    func twoHosts(_ name: String, environment extra: [String: String] = [:]) throws -> (TestStack, TestStack) {
        let secret = "two-hosts-\(UUID().uuidString)"
        let database = TestDatabase.postgreSQLLocation(key: "two-hosts-" + name + "-" + UUID().uuidString)
        let environment = ["HUBSYNC_LOG_LEVEL": "warn"].merging(extra) { _, new in new }
        return (try TestStack(name: name + "-a", secret: secret, environment: environment, databasePath: database),
                try TestStack(name: name + "-b", secret: secret, environment: environment, databasePath: database))
    }

    /// The same delivery at both hosts at once (a retry after a timeout through the balancer, or
    /// GitHub's redelivery racing the original), many times over: one row per delivery, answers
    /// all 200 with exactly one "success", and each event handled once by one of the two runners.
    @Test func theSameDeliveryAtBothHostsAtOnceIsStoredAndHandledOnce() throws {
        let (a, b) = try twoHosts("race")
        let example = try Paths.payload("issues/opened.payload.json")
        var ids: [String] = []
        for round in 0..<20 {
            // A body of its own each round (the same body under a new id would be a replay, stored but not handled).
            let body = example + Array(repeating: 0x20, count: round)
            let id = "two-hosts-\(round)-" + newDeliveryID()
            ids.append(id)
            let headers = deliveryHeaders(event: "issues", body: body, id: id, secret: a.secret)
            // Every request is written before any answer is read: in flight at both hosts together.
            let sockets = try (0..<6).map { index in try RawHTTP.connect(port: index % 2 == 0 ? a.port : b.port) }
            for (index, fd) in sockets.enumerated() {
                try RawHTTP.write(fd, try RawHTTP.request(port: index % 2 == 0 ? a.port : b.port, path: "/github/webhook",
                                                          headers: headers, body: body))
            }
            let results = try sockets.map { try RawHTTP.readResponse($0) }
            #expect(results.allSatisfy { $0.status == 200 }, "\(results.map(\.status))")
            let statuses = results.compactMap { $0.json?["status"] as? String }
            #expect(statuses.filter { $0 == "success" }.count == 1 && statuses.filter { $0 == "duplicate" }.count == 5, "\(statuses)")
        }
        #expect(try a.sql("SELECT count(*) FROM deliveries") == "20")
        // Handled once each: one attempt, by one host's runner (the claims skip rows the other is claiming).
        #expect(try eventually(20) { try a.sql("SELECT count(*) FROM events WHERE status = 'processed'") == "20" })
        #expect(try a.sql("SELECT count(*) FROM events WHERE attempts <> 1") == "0")
        #expect(try b.sql("SELECT count(*) FROM issues") == "1")
    }

    /// Deliveries spread over both hosts under load, one host's workers killed meanwhile: every
    /// acknowledged delivery is in the database once, and both hosts' runners handle them all.
    @Test func deliveriesSpreadOverBothHostsAreAllStoredOnce() throws {
        let (a, b) = try twoHosts("spread")
        var acknowledged: [String] = []
        for index in 0..<200 {
            let id = newDeliveryID()
            let body = Array(#"{"zen":"\#(index)","hook_id":1}"#.utf8)
            let stack = index % 2 == 0 ? a : b
            if index == 100 { for pid in a.requestWorkerPIDs() { kill(pid, SIGKILL) } }
            if let result = try? stack.deliver(event: "ping", body: body, id: id), result.status == 200 { acknowledged.append(id) }
        }
        #expect(acknowledged.count >= 190, "\(acknowledged.count) of 200 acknowledged")
        let stored = Set(try b.sql("SELECT delivery_id FROM deliveries").split(separator: "\n").map(String.init))
        #expect(Set(acknowledged).isSubset(of: stored))
        #expect(try b.sql("SELECT count(*) FROM (SELECT delivery_id FROM deliveries GROUP BY delivery_id HAVING count(*) > 1) AS d") == "0")
        #expect(try eventually(20) { try a.sql("SELECT count(*) FROM events WHERE status = 'pending'") == "0" })
    }

    /// A dispatcher on each host, one outbox: every item is claimed by one of them (FOR UPDATE
    /// SKIP LOCKED, then the claim's own condition), so each matching delivery reaches the
    /// receiver exactly once.
    @Test func twoDispatchersShareTheOutboxAndRunEachItemOnce() throws {
        let directory = try Paths.newRunDirectory("two-dispatchers")
        let receiver = try FlakyReceiver(secret: "forward-secret-two-hosts-0123", failFirst: 0, directory: directory)
        let actions = directory + "/actions.d"
        try FileManager.default.createDirectory(atPath: actions, withIntermediateDirectories: true)
        try ("EVENTS=push\nFORWARD_URL=http://127.0.0.1:\(receiver.port)/odoo/github/webhook\nFORWARD_SECRET=forward-secret-two-hosts-0123\n"
             + "CONCURRENCY=4\n").write(toFile: actions + "/odoo.action", atomically: true, encoding: .utf8)
        let keyFile = directory + "/hubsync.key"
        _ = try KeyFile.loadOrCreate(path: keyFile)
        let environment = ["HUBSYNC_ACTIONS_DIR": actions, "HUBSYNC_KEY_FILE": keyFile]
        let (a, b) = try twoHosts("dispatch", environment: environment)
        let dispatchEnvironment = ["HUBSYNC_DB": a.databasePath, "HUBSYNC_CONFIG": "/dev/null", "HUBSYNC_LOG_LEVEL": "error",
                                   "PATH": "/usr/bin:/bin"].merging(environment) { _, new in new }
        let dispatchers = try (0..<2).map { _ in
            try SpawnedProcess(Paths.program("hubsync"), ["dispatch", "--interval-ms", "10"], environment: dispatchEnvironment)
        }
        var sent: [String] = []
        for number in 0..<80 {
            let id = "two-dispatchers-\(number)"
            #expect(try (number % 2 == 0 ? a : b).deliver(event: "push", body: Array(#"{"ref":"refs/heads/main","n":\#(number)}"#.utf8), id: id).status == 200)
            sent.append(id)
        }
        let finished = eventually(30) { (try? a.sql("SELECT count(*) FROM outbox WHERE status <> 'done'")) == "0" }
        for dispatcher in dispatchers { dispatcher.kill(SIGTERM); _ = dispatcher.wait() }
        #expect(finished, "unfinished: \((try? a.sql("SELECT id, status, attempts FROM outbox WHERE status <> 'done'")) ?? "")")
        #expect(try a.sql("SELECT count(*) FROM outbox WHERE attempts <> 1") == "0")
        let tries = try receiver.tries()
        #expect(tries.map(\.delivery).sorted() == sent.sorted(), "each delivery exactly once")
        #expect(try a.sql("SELECT count(*), count(DISTINCT item_id) FROM outbox_attempts") == "80|80")  // one try each, recorded
    }
}
