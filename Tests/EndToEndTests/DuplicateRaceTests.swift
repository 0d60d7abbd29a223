import Foundation
import Testing
import TestSupport

@Suite(.serialized) struct DuplicateRaceTests {
    /// The same delivery on many connections at once, served by two workers: one row, only 200s,
    /// exactly one "success" and the rest "duplicate", and the first body kept.
    @Test func identicalDeliveriesRacingInTwoWorkersGiveOneRow() throws {
        let stack = try TestStack(name: "race", environment: ["HUBSYNC_LOG_LEVEL": "warn"])
        let body = try Paths.payload("push/payload.json")
        for round in 0..<5 {
            let id = "race-\(round)-" + newDeliveryID()
            let request = try RawHTTP.request(port: stack.port, path: "/github/webhook",
                                              headers: deliveryHeaders(event: "push", body: body, id: id, secret: stack.secret), body: body)
            // All requests are written before any answer is read, so they are in flight together.
            let sockets = try (0..<24).map { _ in try RawHTTP.connect(port: stack.port) }
            for fd in sockets { try RawHTTP.write(fd, request) }
            let results = try sockets.map { try RawHTTP.readResponse($0) }
            #expect(results.allSatisfy { $0.status == 200 }, "\(results.map(\.status))")
            let statuses = results.compactMap { $0.json?["status"] as? String }
            #expect(statuses.filter { $0 == "success" }.count == 1)
            #expect(statuses.filter { $0 == "duplicate" }.count == 23)
            #expect(try stack.sql("SELECT count(*) FROM events WHERE delivery_id = '\(id)'") == "1")
        }
        // Both workers took part.
        #expect(stack.requestWorkerPIDs().count == 2)
    }

    @Test func aRedeliveryWithADifferentBodyKeepsTheFirst() throws {
        let stack = try TestStack(name: "redeliver")
        let id = newDeliveryID()
        let first = Array(#"{"zen":"first"}"#.utf8)
        #expect(try stack.deliver(event: "ping", body: first, id: id).status == 200)
        let second = try stack.deliver(event: "ping", body: Array(#"{"zen":"second"}"#.utf8), id: id)
        #expect(second.status == 200)
        #expect(second.json?["status"] as? String == "duplicate")
        #expect(try stack.sql("SELECT hex(body) FROM events WHERE delivery_id = '\(id)'") == hex(first))  // one row, the first body
    }

    @Test func aRedeliveryOfAFailedEventRunsItsHandlersAgain() throws {
        let stack = try TestStack(name: "refail")
        let id = newDeliveryID()
        let broken = Array(#"{"before":"x"}"#.utf8)  // a push without `ref`: the handler fails
        #expect(try stack.deliver(event: "push", body: broken, id: id).status == 200)
        #expect(try eventually { try stack.sql("SELECT status, attempts, error FROM events WHERE delivery_id = '\(id)'") == "failed|1|payload has no ref" })
        #expect(try stack.deliver(event: "push", body: broken, id: id).status == 200)
        #expect(try eventually { try stack.sql("SELECT attempts FROM events WHERE delivery_id = '\(id)'") == "2" })
    }
}
