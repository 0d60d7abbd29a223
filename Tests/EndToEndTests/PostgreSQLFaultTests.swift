import Foundation
import Testing
import TestSupport

/// Issue 18, faults: the PostgreSQL server stopped, and crashed, under load. Never a 2xx for what
/// is not committed (503 instead, so GitHub's delivery can be sent again), the programs reconnect
/// by themselves when the server is back, and nothing acknowledged is lost. A server of the test's
/// own, since it stops it, whichever pass of make test this is.
@Suite(.serialized) struct PostgreSQLFaultTests {
    @Test func theServerStoppedAndCrashedUnderLoadLosesNothingAcknowledged() throws {
        let server = try PostgreSQLServer()
        _ = try query(server.uri(), "CREATE DATABASE faults")
        let database = server.uri(database: "faults")
        let stack = try TestStack(name: "pg-faults", environment: ["HUBSYNC_LOG_LEVEL": "error"], databasePath: database)
        let example = try Paths.payload("push/payload.json")
        let load = LoadGenerator(stack: stack, connections: 8, body: { number in example + Array(repeating: 0x20, count: number % 64) })
        defer { load.stop() }
        func acknowledgedGrows(by count: Int, within seconds: Double) -> Bool {
            let start = load.acknowledgedCount
            return eventually(seconds) { load.acknowledgedCount >= start + count }
        }
        #expect(acknowledgedGrows(by: 100, within: 20), "no deliveries acknowledged before the fault")

        // A fast shutdown (sessions ended, open transactions rolled back), two seconds down.
        server.stop()
        Thread.sleep(forTimeInterval: 2)
        let whileDown = load.acknowledgedCount
        Thread.sleep(forTimeInterval: 0.5)
        #expect(load.acknowledgedCount == whileDown, "deliveries acknowledged while the database was down")
        try server.start()
        #expect(acknowledgedGrows(by: 100, within: 30), "the programs did not reconnect: \(stack.log.suffix(2000))")

        // A crash (SIGKILL of the postmaster) in the middle of batches, then crash recovery.
        server.kill()
        Thread.sleep(forTimeInterval: 1)
        try server.start()
        #expect(acknowledgedGrows(by: 100, within: 30), "the programs did not reconnect after a crash: \(stack.log.suffix(2000))")

        let (acknowledged, others) = load.stop()
        #expect(others[503, default: 0] > 0, "\(others)")
        #expect(Set(others.keys).isSubset(of: [503]), "answers other than 200 and 503: \(others); \(stack.log.split(separator: "\n").filter { $0.contains("\"status\":500") })")
        let stored = Set(try query(database, "SELECT delivery_id FROM deliveries").split(separator: "\n").map(String.init))
        let lost = Set(acknowledged).subtracting(stored)
        #expect(lost.isEmpty, "\(lost.count) of \(acknowledged.count) acknowledged deliveries are not stored")
        #expect(try eventually(30) { try query(database, "SELECT count(*) FROM events WHERE status = 'pending'") == "0" })
        #expect(stack.workerPIDs().count == 3, "a worker or the runner died: \(stack.log.suffix(2000))")
    }
}
