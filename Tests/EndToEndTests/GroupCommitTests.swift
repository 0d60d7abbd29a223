import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct GroupCommitTests {
    /// Deliveries from 16 connections at once; workers SIGKILLed while batches are in flight.
    /// Every delivery answered 200 is stored exactly once with its exact body, and commits were
    /// shared between deliveries.
    @Test func killingWorkersMidBatchLosesNoAcknowledgedDelivery() throws {
        let stack = try TestStack(name: "groupkill")
        let body = try Paths.payload("push/payload.json")
        let load = LoadGenerator(stack: stack, connections: 16, body: body)
        defer { load.stop() }
        var kills = 0
        for _ in 0..<4 {
            #expect(eventually(10) { load.acknowledgedCount > (kills + 1) * 150 })
            if let victim = stack.requestWorkerPIDs().randomElement() { kill(victim, SIGKILL); kills += 1 }
        }
        #expect(eventually(10) { stack.requestWorkerPIDs().count == 2 })
        let (acknowledged, others) = load.stop()
        #expect(kills == 4)
        #expect(acknowledged.count > 600)
        // Requests cut off by a kill are answered 502/503 by nginx; none of them were acknowledged.
        #expect(Set(others.keys).isSubset(of: [502, 503]), "\(others)")
        let rows = try stack.sql("SELECT delivery_id FROM events WHERE event = 'push'").split(separator: "\n").map(String.init)
        #expect(Set(rows).count == rows.count, "a delivery stored twice")
        let stored = Set(rows)
        let lost = acknowledged.filter { !stored.contains($0) }
        #expect(lost.isEmpty, "acknowledged but not stored: \(lost.prefix(5))")
        #expect(try stack.sql("SELECT count(DISTINCT hex(body)) FROM events WHERE event = 'push'") == "1")
        #expect(try stack.integrityCheck() == "ok")

        // The surviving workers report how many writes shared a commit.
        stack.stopProgram()
        let batches = stack.log.split(separator: "\n").filter { $0.contains("writer stopped") }
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(!batches.isEmpty)
        #expect(batches.contains { ($0["largest_batch"] as? Int ?? 0) > 1 }, "\(batches)")
    }
}
