import Foundation
import Synchronization
import Testing
import TestSupport
@testable import Common
@testable import ActionDispatch

/// The dispatcher on real parts: a SQLite outbox filled as the intake fills it, a receiver on
/// loopback that fails the first tries (Tests/FakeReceiver), libcurl, real commands, and a clock
/// the test moves.
@Suite struct DispatcherTests {
    let directory: TemporaryDirectory
    let configuration: Configuration
    let key: [UInt8]
    let clock = TestClock()
    static let forwardSecret = "forward-secret-0123456789"

    init() throws {
        directory = try TemporaryDirectory()
        configuration = Configuration(databasePath: TestDatabase.location(in: directory, name: "h.db"), busyTimeoutMilliseconds: 5000,
                                      keyFilePath: directory.path + "/hubsync.key")
        key = try KeyFile.loadOrCreate(path: directory.path + "/hubsync.key")
    }

    var now: Timestamp { clock.now }
    func advance(seconds: Int64) { clock.advance(seconds: seconds) }

    func dispatcher() throws -> Dispatcher {
        let clock = self.clock
        return try Dispatcher(DispatchEnvironment(
            configuration: configuration, box: SecretBox(key: key), logger: Logger(program: "test", minimumLevel: .error),
            now: { clock.now }, installationToken: nil, version: "test"))
    }

    /// Stores deliveries as the intake does, each queued for `actions` (name, file text).
    func store(_ deliveries: [(id: String, event: String, body: String)], actions: [(String, String)]) throws {
        let store = try EventStore(database: Database(configuration: configuration))
        let box = SecretBox(key: key)
        let queued = try actions.map { name, text in
            let definition = try ActionFile.parse(text, path: name + ".action")
            return QueuedAction(name: name, digest: definition.digest,
                                sealed: try box.seal(Array(text.utf8), associatedData: ActionDefinition.sealingContext(name)))
        }
        for delivery in deliveries {
            _ = try store.insert([NewEvent(deliveryID: delivery.id, hookID: 77, event: delivery.event, action: nil, installationID: 5,
                                           repository: "o/r", sender: nil, body: Array(delivery.body.utf8), contentType: "application/json",
                                           targetType: "integration", targetID: 9, receivedAt: now, actions: queued)])
        }
    }

    func outbox() throws -> OutboxStore {
        try OutboxStore(database: Database(configuration: configuration))
    }

    @Test func forwardedDeliveriesArriveByteForByteSignedAfterTwoFailures() throws {
        let receiver = try FlakyReceiver(secret: Self.forwardSecret, failFirst: 2, directory: directory.path)
        let action = "EVENTS=push\nFORWARD_URL=http://127.0.0.1:\(receiver.port)/odoo/github/webhook\n"
            + "FORWARD_SECRET=\(Self.forwardSecret)\nRETRY_SCHEDULE=10s,1m,10m\n"
        let bodies = ["{\n  \"ref\": \"refs/heads/main\",\n  \"n\": 1\n}", "{\"ref\":\"x\",\"emoji\":\"\u{1F680}\"}", "[]"]
        try store(bodies.enumerated().map { ("d-\($0.offset)", "push", $0.element) }, actions: [("odoo", action)])
        let dispatcher = try dispatcher()
        for wait: Int64 in [0, 10, 60] {
            advance(seconds: wait)
            for _ in 0..<3 {  // one item per pass and lane: the action's items run in order, one at a time
                dispatcher.pass()
                dispatcher.waitForLanes()
            }
        }
        let items = try outbox().list(limit: 10)
        #expect(items.map(\.status) == [.done, .done, .done], "\(items.map(\.lastResult))")
        #expect(items.allSatisfy { $0.attempts == 3 && $0.lastResult == #"HTTP 200: {"status":"ok"}"# })
        let tries = try receiver.tries()
        #expect(tries.count == 9)
        for (index, body) in bodies.enumerated() {
            let mine = tries.filter { $0.delivery == "d-\(index)" }
            #expect(mine.map(\.number) == [1, 2, 3])
            #expect(mine.allSatisfy { $0.signatureOK && $0.body == Array(body.utf8) && $0.event == "push" && $0.hookID == "77" })
        }
    }

    /// A try that a dispatcher on another host started (a host that cannot be asked whether its
    /// process lives) is left alone while its lease runs, the action's TIMEOUT and a minute, then
    /// taken back and run here: a dead host's items are taken over, a live one's never run twice.
    @Test func anotherHostsTryIsTakenOverOnlyOnceItsLeaseRunsOut() throws {
        let receiver = try FlakyReceiver(secret: Self.forwardSecret, failFirst: 0, directory: directory.path)
        let action = "EVENTS=push\nFORWARD_URL=http://127.0.0.1:\(receiver.port)/odoo/github/webhook\n"
            + "FORWARD_SECRET=\(Self.forwardSecret)\nTIMEOUT=20s\n"
        try store([("d-0", "push", "{}")], actions: [("odoo", action)])
        let outbox = try outbox()
        let id = try #require(try outbox.list(limit: 1).first?.id)
        #expect(try outbox.startAttempt(id: id, owner: "another-host/4242/17", at: now))
        let dispatcher = try dispatcher()
        advance(seconds: 20 + Dispatcher.leaseGraceSeconds - 1)
        #expect(dispatcher.pass() == 0)
        #expect(try outbox.item(id: id)?.attemptStartedAt != nil && receiver.tries().isEmpty)
        advance(seconds: 2)
        dispatcher.pass()  // takes the try back
        dispatcher.waitForLanes()
        dispatcher.pass()
        dispatcher.waitForLanes()
        let item = try #require(try outbox.item(id: id))
        #expect(item.status == .done && item.attempts == 2, "\(item)")
        #expect(try receiver.tries().map(\.delivery) == ["d-0"])
        #expect(try outbox.attemptHistory(itemIDs: [id])[id]?.first?.result == "the dispatcher stopped during this try")
    }

    /// FORWARD_SIGNATURE=standard-webhooks: each try carries webhook-id (the delivery, the same on
    /// every try), its own webhook-timestamp and a webhook-signature that the receiver's own
    /// implementation of the specification verifies; no X-Hub-Signature-256.
    @Test func aStandardWebhooksReceiverVerifiesEachTry() throws {
        let secret = "whsec_" + Base64URL.encodeStandard(Array((0..<32).map { UInt8($0 * 7 & 0xFF) }))
        let receiver = try FlakyReceiver(secret: secret, failFirst: 1, directory: directory.path)
        let action = "EVENTS=push\nFORWARD_URL=http://127.0.0.1:\(receiver.port)/hooks\nFORWARD_SIGNATURE=standard-webhooks\n"
            + "FORWARD_SECRET=\(secret)\nRETRY_SCHEDULE=10s\n"
        try store([("d-std", "push", "{\"n\": 1}")], actions: [("svix", action)])
        let dispatcher = try dispatcher()
        let first = now
        dispatcher.pass()
        dispatcher.waitForLanes()
        advance(seconds: 10)
        dispatcher.pass()
        dispatcher.waitForLanes()
        #expect(try outbox().list(limit: 1).first?.status == .done)
        let tries = try receiver.tries()
        #expect(tries.count == 2 && tries.allSatisfy { $0.signatureOK && $0.webhookID == "d-std" && $0.body == Array("{\"n\": 1}".utf8) })
        #expect(tries.map(\.webhookTimestamp) == [String(first.microsecondsSinceEpoch / 1_000_000), String(now.microsecondsSinceEpoch / 1_000_000)])
    }

    @Test func theScheduleRunsOutThenTheItemIsDeadUntilRetried() throws {
        let receiver = try FlakyReceiver(secret: Self.forwardSecret, failFirst: 3, retryAfter: "30", directory: directory.path)
        let action = "EVENTS=*\nFORWARD_URL=http://127.0.0.1:\(receiver.port)/hook\nFORWARD_SECRET=\(Self.forwardSecret)\nRETRY_SCHEDULE=10s,10s\n"
        try store([("d-1", "issues", "{}")], actions: [("flaky", action)])
        let dispatcher = try dispatcher()
        let start = now
        dispatcher.pass()
        dispatcher.waitForLanes()
        var item = try #require(try outbox().item(id: 1))
        // The receiver asked for 30 s, longer than the schedule's 10 s: it is honoured.
        #expect(item.status == .retrying && item.nextAttemptAt == now.adding(seconds: 30).iso8601)
        advance(seconds: 10)
        #expect(dispatcher.pass() == 0, "not due before the Retry-After")
        for _ in 0..<2 {
            advance(seconds: 30)
            dispatcher.pass()
            dispatcher.waitForLanes()
        }
        item = try #require(try outbox().item(id: 1))
        #expect(item.status == .dead && item.attempts == 3 && item.lastResult?.hasPrefix("HTTP 503") == true)
        advance(seconds: 86_400)
        #expect(dispatcher.pass() == 0, "a dead item never runs by itself")
        #expect(try outbox().retry(ids: [1]) == 1)
        dispatcher.pass()
        dispatcher.waitForLanes()
        #expect(try outbox().item(id: 1)?.status == .done)
        #expect(try receiver.tries().count == 4)
        // Every try is in the item's history, the three before `outbox retry` included, with its times.
        let history = try #require(try outbox().attemptHistory(itemIDs: [1])[1])
        #expect(history.map(\.succeeded) == [false, false, false, true] && history.map(\.result).prefix(3).allSatisfy { $0.hasPrefix("HTTP 503") })
        #expect(history.first?.startedAt == start.iso8601 && history[1].startedAt == start.adding(seconds: 40).iso8601)
    }

    @Test func aCommandGetsTheBodyAndTheDeliverysVariablesAndASlowOneDelaysOnlyItsOwn() throws {
        let out = directory.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let record = "EVENTS=push\nCOMMAND=cat > \(out)/$HUBSYNC_DELIVERY.body; env | grep ^HUBSYNC_ | sort > \(out)/$HUBSYNC_DELIVERY.env\nUSE_SHELL=yes\n"
        let slow = "EVENTS=push\nCOMMAND=/bin/sleep 4\n"
        try store([("d-1", "push", "{\"a\":1}"), ("d-2", "push", "{\"a\":2}")], actions: [("record", record), ("slow", slow)])
        let dispatcher = try dispatcher()
        dispatcher.pass()
        // The fast lane finishes its first item while the slow one still sleeps; the next pass gives it the second.
        func recorded(_ count: Int) -> Bool { eventually(10) { (try? outbox().list(status: .done, action: "record", limit: 10).count) == count } }
        #expect(recorded(1))
        dispatcher.pass()
        #expect(recorded(2))
        #expect(try outbox().list(status: .done, action: "slow", limit: 10).isEmpty, "the slow action held up the other")
        dispatcher.waitForLanes()
        #expect(try String(contentsOfFile: out + "/d-2.body", encoding: .utf8) == "{\"a\":2}")
        let variables = try String(contentsOfFile: out + "/d-1.env", encoding: .utf8)
        #expect(variables.contains("HUBSYNC_ACTION_NAME=record\n") && variables.contains("HUBSYNC_DELIVERY=d-1\n")
                && variables.contains("HUBSYNC_EVENT=push\n") && variables.contains("HUBSYNC_INSTALLATION_ID=5\n")
                && variables.contains("HUBSYNC_REPOSITORY=o/r\n") && variables.contains("HUBSYNC_ATTEMPT=1\n"))
        #expect(!variables.contains("SECRET"))
    }

    /// A WITH_TOKEN command gets GH_TOKEN; if it prints it, the output kept with the item says
    /// [redacted] instead (the outbox and the log are no place for a token).
    @Test func aTokenPrintedByACommandIsNotKept() throws {
        let token = "ghs_" + String((0..<36).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
        let action = "EVENTS=push\nWITH_TOKEN=yes\nUSE_SHELL=yes\nRETRY_SCHEDULE=none\nCOMMAND=echo \"token is $GH_TOKEN\"; exit 3\n"
        try store([("d-token", "push", "{}")], actions: [("leaky", action)])
        let clock = self.clock
        let dispatcher = try Dispatcher(DispatchEnvironment(
            configuration: configuration, box: SecretBox(key: key), logger: Logger(program: "test", minimumLevel: .error),
            now: { clock.now }, installationToken: { _ in token }, version: "test"))
        dispatcher.pass()
        dispatcher.waitForLanes()
        let item = try #require(try outbox().list(limit: 1).first)
        #expect(item.status == .dead && item.lastResult == "exit 3: token is [redacted]", "\(item.lastResult ?? "")")
    }

    /// A destination that answers with a redirect does not get the body and its signature sent
    /// elsewhere: the 307 is a failed try, and nothing lands where it points.
    @Test func aRedirectIsATriedFailureNeverFollowed() throws {
        let fake = try FakeGitHub()
        try fake.control(["mode": "redirect", "count": 5])
        let action = "EVENTS=push\nFORWARD_URL=\(fake.baseURL)/hooks\nFORWARD_SECRET=\(Self.forwardSecret)\nRETRY_SCHEDULE=10s\n"
        try store([("d-redirect", "push", "{\"secret\":\"payload\"}")], actions: [("moved", action)])
        let dispatcher = try dispatcher()
        dispatcher.pass()
        dispatcher.waitForLanes()
        let item = try #require(try outbox().list(limit: 1).first)
        #expect(item.status == .retrying && item.lastResult == "HTTP 307", "\(item.lastResult ?? "")")
        #expect(try fake.log().filter { $0["path"] as? String == "/_landing" }.isEmpty)
    }

    /// CONCURRENCY=3: three of the action's items run at once, never a fourth; without it, one.
    @Test func concurrencyLetsThatManyItemsRunAtOnceAndNoMore() throws {
        let out = directory.path + "/spans"
        let span = "COMMAND=echo \"$(date +%s%N) 1\" >> \(out).$HUBSYNC_ACTION_NAME; sleep 0.4; echo \"$(date +%s%N) -1\" >> \(out).$HUBSYNC_ACTION_NAME\nUSE_SHELL=yes\n"
        try store((0..<7).map { ("d-\($0)", "push", "{}") },
                  actions: [("wide", "EVENTS=push\nCONCURRENCY=3\n" + span), ("narrow", "EVENTS=push\n" + span)])
        let dispatcher = try dispatcher()
        #expect(eventually(30) {
            dispatcher.pass()
            return (try? outbox().list(status: .done, limit: 20).count) == 14
        })
        dispatcher.waitForLanes()
        func mostAtOnce(_ action: String) throws -> Int {
            let lines = try String(contentsOfFile: out + "." + action, encoding: .utf8).split(separator: "\n")
            let changes = lines.map { $0.split(separator: " ") }.map { (Int64($0[0])!, Int($0[1])!) }.sorted { $0 < $1 }
            var running = 0, most = 0
            for (_, change) in changes { running += change; most = max(most, running) }
            return most
        }
        #expect(try mostAtOnce("wide") == 3)
        #expect(try mostAtOnce("narrow") == 1)
    }
}

/// A clock the test moves.
final class TestClock: Sendable {
    private let microseconds = Atomic<Int64>(1_764_151_977_000_000)
    var now: Timestamp { Timestamp(microsecondsSinceEpoch: microseconds.load(ordering: .relaxed)) }
    func advance(seconds: Int64) { microseconds.add(seconds * 1_000_000, ordering: .relaxed) }
}

