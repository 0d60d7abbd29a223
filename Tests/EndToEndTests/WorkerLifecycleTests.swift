import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct WorkerLifecycleTests {
    @Test func aWorkerKilledWithSIGKILLIsReplacedAndServiceGoesOn() throws {
        let stack = try TestStack(name: "kill")
        let before = stack.requestWorkerPIDs()
        #expect(before.count == 2)
        kill(before[0], SIGKILL)
        #expect(eventually {
            let pids = stack.requestWorkerPIDs()  // one snapshot: the killed worker may vanish between two reads
            return pids.count == 2 && !pids.contains(before[0])
        })
        #expect(eventually { stack.log.contains("worker exited") && stack.log.contains("signal 9") })
        for _ in 0..<10 {
            #expect(try stack.deliver(event: "ping", body: Array(#"{"zen":"z"}"#.utf8)).status == 200)
        }
    }

    @Test func aWorkerThatKeepsDyingIsRestartedWithBackoffNotInATightLoop() throws {
        let stack = try TestStack(name: "backoff", listener: .supervised(workers: 1))
        var killed = 0
        let deadline = Date().addingTimeInterval(2)
        while Date() < deadline {
            if let pid = stack.requestWorkerPIDs().first { kill(pid, SIGKILL); killed += 1 }
            usleep(20_000)
        }
        // Backoff doubles from 0.1 s while workers die young: a tight loop would start ~100 workers.
        #expect(killed >= 3 && killed <= 8, "\(killed) workers started in 2 s")
        #expect(eventually(8) { stack.requestWorkerPIDs().count == 1 })
        #expect(try stack.deliver(event: "ping", body: Array(#"{"zen":"z"}"#.utf8)).status == 200)
    }

    /// An event left `pending` with no attempt (as a crash between the commit and the wake-up
    /// leaves it, or a row an operator restored) is found by the event runner's sweep, with no
    /// restart of any process.
    @Test func pendingEventsAreHandledWithoutARestart() throws {
        let stack = try TestStack(name: "pending")
        #expect(try stack.deliver(event: "ping", body: Array(#"{"zen":"z"}"#.utf8)).status == 200)  // creates the schema
        let body = try Paths.payload("issues/opened.payload.json")
        try stack.sql("""
            INSERT INTO deliveries (delivery_id, hook_id, event, action, body, content_type, received_at)
            VALUES ('left-pending', 1, 'issues', 'opened', \(stack.usesPostgreSQL ? "decode('\(hex(body))', 'hex')" : "X'\(hex(body))'"),
                    'application/json', '2020-01-01T00:00:00.000Z')
            """)
        let processes = Set(stack.workerPIDs())
        #expect(try eventually(10) { try stack.sql("SELECT status FROM events WHERE delivery_id = 'left-pending'") == "processed" })
        #expect(try stack.sql("SELECT json_extract(summary, '$.title') FROM events WHERE delivery_id = 'left-pending'")
                == "Spelling error in the README file")
        #expect(Set(stack.workerPIDs()) == processes, "no process was restarted")
    }

    /// The supervisor killed outright (SIGKILL, as the OOM killer): its workers and the event runner
    /// end with it instead of lingering, the runner too although nothing but its pipe tells it.
    @Test func everyChildEndsWithAKilledSupervisor() throws {
        let stack = try TestStack(name: "orphans")
        let children = stack.workerPIDs()
        #expect(children.count == 3 && stack.backgroundPID() != nil)
        stack.killProgram()
        #expect(eventually(5) { children.allSatisfy { kill($0, 0) != 0 } }, "still running: \(children.filter { kill($0, 0) == 0 })")
    }

    /// SIGTERM while deliveries are in flight: every delivery answered 200 is stored, the program
    /// exits 0 and removes its socket.
    @Test func sigtermFinishesRequestsInHandAndLosesNothingAcknowledged() throws {
        let stack = try TestStack(name: "sigterm", environment: ["HUBSYNC_LOG_LEVEL": "warn"])
        let body = try Paths.payload("push/payload.json")
        var acknowledged: [String] = []
        var sockets: [(Int32, String)] = []
        for _ in 0..<60 {
            let id = newDeliveryID()
            let fd = try RawHTTP.connect(port: stack.port)
            try RawHTTP.write(fd, try RawHTTP.request(port: stack.port, path: "/github/webhook",
                headers: deliveryHeaders(event: "push", body: body, id: id, secret: stack.secret), body: body))
            sockets.append((fd, id))
        }
        let status = stack.stopProgram()
        for (fd, id) in sockets {
            if let result = try? RawHTTP.readResponse(fd), result.status == 200 { acknowledged.append(id) }
        }
        #expect(status == 0)
        #expect(!FileManager.default.fileExists(atPath: stack.socketPath))
        #expect(stack.workerPIDs().isEmpty)
        let stored = Set(try stack.sql("SELECT delivery_id FROM events").split(separator: "\n").map(String.init))
        #expect(acknowledged.allSatisfy { stored.contains($0) }, "acknowledged but not stored: \(acknowledged.filter { !stored.contains($0) })")
        // Connections nginx had already queued are drained, not dropped with a 502.
        #expect(acknowledged.count == sockets.count, "\(acknowledged.count) of \(sockets.count) acknowledged")
    }
}
