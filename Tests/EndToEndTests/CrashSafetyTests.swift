import Foundation
import Testing
import TestSupport

/// Nothing acknowledged is ever lost: signed deliveries go through nginx at full speed while
/// workers are killed with SIGKILL at random moments, the supervisor is killed once and nginx is
/// restarted once. Afterwards every delivery that got a 200 is in the database exactly once with
/// its exact body, the database passes `integrity_check`, the events a kill left `pending` are
/// handled once the program starts again, and the service answers without manual steps.
///
/// `make test` runs it for 20 s; `HUBSYNC_CRASH_SECONDS=60` (what `make soak` sets) for longer.
@Suite(.serialized) struct CrashSafetyTests {
    @Test func acknowledgedDeliveriesSurviveKilledWorkersSupervisorAndNginx() throws {
        let seconds = Double(ProcessInfo.processInfo.environment["HUBSYNC_CRASH_SECONDS"] ?? "") ?? 20
        let stack = try TestStack(name: "crash", listener: .supervised(workers: 2))
        let bodyPath = Paths.payloadPath("push/payload.json")
        let body = try Paths.payload("push/payload.json")
        let load = LoadGenerator(stack: stack, connections: 8, body: body)
        defer { load.stop() }

        var workerKills = 0, supervisorKills = 0, nginxRestarts = 0
        let started = Date()
        while Date().timeIntervalSince(started) < seconds {
            usleep(UInt32.random(in: 150_000...450_000))
            let progress = Date().timeIntervalSince(started) / seconds
            if supervisorKills == 0 && progress > 0.4 {
                stack.killProgram()
                supervisorKills += 1
                try stack.startProgramAgain()
            } else if nginxRestarts == 0 && progress > 0.7 {
                try stack.restartNginx()
                nginxRestarts += 1
            } else if let worker = stack.workerPIDs().randomElement() {
                kill(worker, SIGKILL)
                workerKills += 1
            }
        }
        let result = load.stop()

        // A start handles what kills left pending (events received before it started).
        stack.stopProgram()
        try stack.startProgramAgain()
        let pendingLeft = try eventually(20) { try stack.sql("SELECT count(*) FROM events WHERE status = 'pending'") == "0" }
            ? 0 : Int(try stack.sql("SELECT count(*) FROM events WHERE status = 'pending'")) ?? -1

        let stored = Set(try stack.sql("SELECT delivery_id FROM deliveries").split(separator: "\n").map(String.init))
        let acknowledged = Set(result.acknowledged)
        let lost = acknowledged.subtracting(stored)
        let duplicates = Int(try stack.sql("SELECT count(*) FROM (SELECT delivery_id FROM deliveries GROUP BY delivery_id HAVING count(*) > 1)")) ?? -1
        // The exact body, byte for byte, compared by SQLite's own shell with the file sent.
        let wrongBodies = try stack.sql("SELECT count(*) FROM deliveries WHERE body != readfile('\(bodyPath)')")
        let integrity = try stack.sql("PRAGMA integrity_check")
        print("""
            crash safety, \(Int(seconds)) s: \(workerKills) worker kills, \(supervisorKills) supervisor kill, \(nginxRestarts) nginx restart
            | acknowledged | stored | lost | duplicates | pending left | other answers |
            | \(acknowledged.count) | \(stored.count) | \(lost.count) | \(duplicates) | \(pendingLeft) | \(result.others.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")) |
            """)
        #expect(acknowledged.count > 100, "the load barely ran: \(result.others)")
        #expect(workerKills >= Int(seconds / 2) && supervisorKills == 1 && nginxRestarts == 1)
        #expect(lost.isEmpty, "acknowledged but not stored: \(lost.prefix(5))")
        #expect(duplicates == 0)
        #expect(wrongBodies == "0")
        #expect(integrity == "ok")
        #expect(pendingLeft == 0)
        // Nothing but 200 and the refusals of a service in trouble (nginx's 503 for a dead upstream,
        // connections refused while nginx restarts): never a 4xx for a correct delivery.
        #expect(result.others.keys.allSatisfy { [0, 502, 503, 504].contains($0) }, "\(result.others)")
        #expect(try stack.deliver(event: "ping", body: Array(#"{"zen":"after"}"#.utf8)).status == 200)
    }
}
