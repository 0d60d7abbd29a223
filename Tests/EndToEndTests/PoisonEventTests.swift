import Foundation
import Testing
import TestSupport

/// No event can take intake down (issue 13): through nginx and the real programs, with failure
/// injection switched on (`HUBSYNC_TEST_FAULTS=1`, which exists in debug builds only).
@Suite(.serialized) struct PoisonEventTests {
    static let faults = ["HUBSYNC_TEST_FAULTS": "1", "HUBSYNC_SWEEP_INTERVAL_MS": "200"]

    /// A body whose handler misbehaves as `kind` says (TestFault), on every attempt or the first `attempts`.
    static func poison(_ kind: String, number: Int, attempts: Int? = nil) -> [UInt8] {
        let limit = attempts.map { #","attempts":\#($0)"# } ?? ""
        return Array(#"""
            {"action":"opened","repository":{"full_name":"o/poison"},"issue":{"number":\#(number),"title":"t","updated_at":"2026-11-26T10:00:00Z"},"hubsync_test_fault":{"kind":"\#(kind)"\#(limit)}}
            """#.utf8)
    }

    /// status, attempts, deaths, error, next_attempt_at of one delivery ([] when it cannot be read).
    func row(_ stack: TestStack, _ deliveryID: String) -> [String] {
        ((try? stack.sql("SELECT status, attempts, deaths, coalesce(error, ''), coalesce(next_attempt_at, '') FROM events WHERE delivery_id = '\(deliveryID)'")) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "|")
    }

    func crashes(_ stack: TestStack) -> Int { stack.log.components(separatedBy: "background process exited").count - 1 }

    /// The delivery from the issue (`pull_request.updated_at` = 10000000000000, which trapped the
    /// worker) and a delivery whose handler traps on every attempt, while a push arrives every
    /// 100 ms: every push is answered 200, the first fails with its reason at once, the second is
    /// given up after 3 deaths of the background process, and then nothing crashes any more.
    @Test func poisonDeliveriesAreContainedWhileIntakeGoesOn() throws {
        let stack = try TestStack(name: "poison", environment: Self.faults)
        defer { stack.stop() }
        let requestWorkers = Set(stack.requestWorkerPIDs())
        #expect(requestWorkers.count == 2 && stack.backgroundPID() != nil)
        // A unique push every 100 ms (the same body under a new id would be a replay, not handled).
        let push = try Paths.payload("push/payload.json")
        let sender = LoadGenerator(stack: stack, connections: 1, pauseSeconds: 0.1) { number in
            Array("{\"sequence\":\(number),".utf8) + push.dropFirst()
        }
        defer { sender.stop() }

        let outOfRange = Array(#"{"action":"opened","number":1,"repository":{"full_name":"o/r"},"pull_request":{"number":1,"updated_at":10000000000000}}"#.utf8)
        #expect(try stack.deliver(event: "pull_request", body: outOfRange, id: "poison-number").status == 200)
        #expect(try stack.deliver(event: "issues", body: Self.poison("crash", number: 1), id: "poison-crash").status == 200)
        let givenUp = eventually(30) { row(stack, "poison-crash").first == "failed" }
        Thread.sleep(forTimeInterval: 1.5)  // long enough for a fourth crash, if one were coming
        let (ids, others) = sender.stop()

        #expect(givenUp, "the crashing event was not given up: \(row(stack, "poison-crash"))")
        // Claimed in the crashing event's batch, it may have died with it once, and then run alone.
        let number = row(stack, "poison-number")
        #expect(number.first == "failed" && number.dropFirst(3) == ["payload's pull_request.updated_at is out of range", ""], "\(number)")
        #expect(["1", "0"].contains(number[safe: 2] ?? "") && ["1", "2"].contains(number[safe: 1] ?? ""), "\(number)")
        #expect(row(stack, "poison-crash") == ["failed", "3", "3", "gave up after 3 attempts: the worker died", ""])
        #expect(crashes(stack) == 3, "the background process died \(crashes(stack)) times")
        #expect(ids.count >= 20 && others.isEmpty, "answers while poison was handled: \(ids.count) acknowledged, others \(others)")
        #expect(Set(stack.requestWorkerPIDs()) == requestWorkers, "a request worker was restarted")
        // The runner went on with everything else: every push is handled.
        #expect(try eventually(10) {
            try stack.sql("SELECT count(*) FROM events WHERE event = 'push' AND status = 'processed'")
                .trimmingCharacters(in: .whitespacesAndNewlines) == String(ids.count)
        })
    }

    /// The background process killed in the middle of a handler (SIGKILL, as the OOM killer): a
    /// new one finishes the event, and no request worker is restarted for it.
    @Test func anAttemptCutByAKillIsFinishedByTheNextRunner() throws {
        let stack = try TestStack(name: "killed-handler", environment: Self.faults)
        defer { stack.stop() }
        let requestWorkers = Set(stack.requestWorkerPIDs())
        #expect(try stack.deliver(event: "issues", body: Self.poison("hang", number: 2, attempts: 1), id: "hangs-once").status == 200)
        #expect(eventually(10) { row(stack, "hangs-once").prefix(2) == ["pending", "1"] })
        let runner = try #require(stack.backgroundPID())
        Thread.sleep(forTimeInterval: 0.3)
        kill(runner, SIGKILL)
        #expect(eventually(15) { row(stack, "hangs-once").first == "processed" }, "\(row(stack, "hangs-once"))\n\(stack.log)")
        #expect(row(stack, "hangs-once").prefix(3) == ["processed", "2", "1"])
        #expect(stack.backgroundPID() != runner)
        #expect(Set(stack.requestWorkerPIDs()) == requestWorkers)
    }

    /// A handler that never returns is ended by the runner's watchdog after HUBSYNC_HANDLER_TIMEOUT,
    /// counted as a death, and the event goes on.
    @Test func aHangingHandlerIsEndedByTheWatchdog() throws {
        let stack = try TestStack(name: "watchdog", environment: Self.faults.merging(["HUBSYNC_HANDLER_TIMEOUT": "1s"]) { _, new in new })
        defer { stack.stop() }
        #expect(try stack.deliver(event: "issues", body: Self.poison("hang", number: 3, attempts: 1), id: "hangs").status == 200)
        #expect(eventually(15) { row(stack, "hangs").first == "processed" }, "\(row(stack, "hangs"))")
        #expect(row(stack, "hangs").prefix(3) == ["processed", "2", "1"])
        #expect(crashes(stack) == 1)
        #expect(stack.log.contains("signal 14"), "SIGALRM ended the hanging attempt")
    }

    /// Every process restarted while 100 poison events are pending: the first delivery after the
    /// restart is answered within a second, since no pending work stands before serving.
    @Test func aRestartWithPoisonPendingServesAtOnce() throws {
        let stack = try TestStack(name: "poison-restart", environment: Self.faults)
        defer { stack.stop() }
        for number in 0..<100 {
            #expect(try stack.deliver(event: "issues", body: Self.poison("crash", number: number)).status == 200)
        }
        stack.stopProgram()
        let pending = Int(try stack.sql("SELECT count(*) FROM events WHERE status = 'pending'").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(pending >= 90, "only \(pending) poison events were still pending at the restart")
        try stack.startProgramAgain()
        let started = Date()
        let answer = try stack.deliver(event: "push", body: try Paths.payload("push/payload.json"))
        let seconds = Date().timeIntervalSince(started)
        #expect(answer.status == 200)
        #expect(seconds < 1, "the first delivery after the restart took \(seconds) s")
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
