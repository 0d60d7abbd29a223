import Foundation
import Testing
import TestSupport
@testable import Common

/// Actions through the real programs (issue 16): deliveries signed and posted to nginx, stored by
/// webhook-fcgi with their outbox items, and `hubsync dispatch` forwarding them to a receiver that
/// fails the first two tries of each, while the dispatcher is killed again and again.
@Suite(.serialized) struct ActionsThroughNginxTests {
    static let forwardSecret = "forward-secret-e2e-0123456789"

    @Test func everyMatchingDeliveryArrivesSignedAndWholeDespiteFailuresAndKills() throws {
        let directory = try Paths.newRunDirectory("actions-e2e")
        let receiver = try FlakyReceiver(secret: Self.forwardSecret, failFirst: 2, directory: directory)
        let actions = directory + "/actions.d"
        try FileManager.default.createDirectory(atPath: actions, withIntermediateDirectories: true)
        try ("EVENTS=push,issues\nACTIONS=opened\nFORWARD_URL=http://127.0.0.1:\(receiver.port)/odoo/github/webhook\n"
             + "FORWARD_SECRET=\(Self.forwardSecret)\nRETRY_SCHEDULE=1s,1s,1s,1s,1s,1s\n")
            .write(toFile: actions + "/odoo.action", atomically: true, encoding: .utf8)
        let keyFile = directory + "/hubsync.key"
        _ = try KeyFile.loadOrCreate(path: keyFile)
        let environment = ["HUBSYNC_ACTIONS_DIR": actions, "HUBSYNC_KEY_FILE": keyFile]
        let stack = try TestStack(name: "actions-e2e", environment: environment)
        defer { stack.stop() }
        let dispatchEnvironment = ["HUBSYNC_DB": stack.databasePath, "HUBSYNC_CONFIG": "/dev/null", "HUBSYNC_LOG_LEVEL": "error",
                                   "PATH": "/usr/bin:/bin"].merging(environment) { _, new in new }

        var expected: [String: [UInt8]] = [:]
        var unmatched: Set<String> = []
        var dispatcher: SpawnedProcess?
        for round in 0..<12 {
            // A few deliveries, then the dispatcher is killed mid-work and started again.
            for number in 0..<5 {
                let id = "e2e-\(round)-\(number)"
                let matching = number != 4
                let event = matching ? (number % 2 == 0 ? "push" : "issues") : "issues"
                let body = Array("{\"action\":\"\(matching ? "opened" : "closed")\",\"n\":\"\(id)\",\"pad\":\"\(String(repeating: "x", count: number * 700))\"}".utf8)
                #expect(try stack.deliver(event: event, body: body, id: id).status == 200)
                if matching { expected[id] = body } else { unmatched.insert(id) }
            }
            dispatcher?.kill()
            _ = dispatcher?.wait()
            dispatcher = try SpawnedProcess(Paths.program("hubsync"), ["dispatch", "--interval-ms", "20"], environment: dispatchEnvironment)
            usleep(150_000)
        }
        // Let the last dispatcher finish everything (the schedule's waits are 1 s).
        let finished = eventually(30) { (try? stack.sql("SELECT count(*) FROM outbox WHERE status <> 'done'")) == "0" }
        dispatcher?.kill(SIGTERM)
        _ = dispatcher?.wait()
        #expect(finished, "unfinished: \((try? stack.sql("SELECT id, status, attempts, last_result FROM outbox WHERE status <> 'done'")) ?? "")")
        #expect(try stack.sql("SELECT count(*) FROM outbox") == String(expected.count))

        let tries = try receiver.tries()
        let succeeded = Dictionary(grouping: tries, by: \.delivery).filter { $0.value.count >= 3 }
        #expect(Set(succeeded.keys) == Set(expected.keys), "every matching delivery got through its two failures")
        #expect(tries.allSatisfy { $0.signatureOK }, "every try verifies with FORWARD_SECRET")
        #expect(tries.allSatisfy { expected[$0.delivery] == $0.body }, "each try carries the exact stored body")
        #expect(tries.allSatisfy { !unmatched.contains($0.delivery) })
    }
}
