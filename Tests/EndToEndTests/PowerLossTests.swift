import Foundation
import Testing
import TestSupport

/// Power loss, simulated the way SQLite's own crash tests do it (this machine has no device-mapper
/// for dm-flakey): webhook-fcgi runs with a VFS shim that logs every write not yet synced, and a
/// "cut" freezes and kills every process of the program under load, then discards those writes
/// (`PowerCut`). The program is started again on what is left, and the load goes on; after several
/// cuts, every delivery acknowledged with a 200 must be in the database with its exact body.
///
/// With `HUBSYNC_SYNC=normal` the same run must lose acknowledged deliveries: that is what the
/// README says `normal` gives up, and it shows the shim really drops what was not synced.
/// `make test` makes 5 cuts per mode; `HUBSYNC_POWER_CUTS` sets another number.
@Suite(.serialized) struct PowerLossTests {
    struct Outcome {
        var cuts = 0, acknowledged = 0, stored = 0, lost = 0, wrongBodies = -1, discardedWrites = 0
        var pendingLeft = -1
        var integrity = ""
        var others: [Int: Int] = [:]
    }

    func runPowerCuts(sync: String) throws -> Outcome {
        let cuts = Int(ProcessInfo.processInfo.environment["HUBSYNC_POWER_CUTS"] ?? "") ?? 5
        let shim = try PowerCut.shimLibrary.get()
        let stack = try TestStack(name: "powerloss-\(sync)", listener: .supervised(workers: 2),
                                  environment: ["LD_PRELOAD": shim, "HUBSYNC_SYNC": sync, "HUBSYNC_LOG_LEVEL": "warn"])
        defer { stack.stop() }
        let bodyPath = Paths.payloadPath("push/payload.json")
        let load = LoadGenerator(stack: stack, connections: 8, body: try Paths.payload("push/payload.json"))
        defer { load.stop() }
        var outcome = Outcome()
        for _ in 0..<cuts {
            // Long enough under load for several checkpoints, ending at a random moment.
            let before = load.acknowledgedCount, until = before + Int.random(in: 300...900)
            _ = eventually(10) { load.acknowledgedCount >= until }
            stack.freezeAndKillProgram()
            outcome.discardedWrites += try PowerCut.discardUnsyncedWrites(database: stack.databasePath)
            outcome.cuts += 1
            try stack.startProgramAgain()
        }
        // The program started on what the last cut left takes the load again.
        let afterLastCut = load.acknowledgedCount
        let resumed = eventually(10) { load.acknowledgedCount >= afterLastCut + 100 }
        let result = load.stop()
        #expect(resumed, "no delivery acknowledged after the last cut")
        // Left `pending` by a cut: handled by the start that follows it.
        outcome.pendingLeft = try eventually(20) { try stack.sql("SELECT count(*) FROM events WHERE status = 'pending'") == "0" }
            ? 0 : Int(try stack.sql("SELECT count(*) FROM events WHERE status = 'pending'")) ?? -1
        let stored = Set(try stack.sql("SELECT delivery_id FROM deliveries").split(separator: "\n").map(String.init))
        outcome.acknowledged = result.acknowledged.count
        outcome.stored = stored.count
        outcome.lost = Set(result.acknowledged).subtracting(stored).count
        outcome.wrongBodies = Int(try stack.sql("SELECT count(*) FROM deliveries WHERE body != readfile('\(bodyPath)')")) ?? -1
        outcome.integrity = try stack.sql("PRAGMA integrity_check")
        outcome.others = result.others
        print("""
            power loss, HUBSYNC_SYNC=\(sync): \(outcome.cuts) cuts, \(outcome.discardedWrites) unsynced writes discarded
            | acknowledged | stored | lost | wrong bodies | pending left | integrity | other answers |
            | \(outcome.acknowledged) | \(outcome.stored) | \(outcome.lost) | \(outcome.wrongBodies) | \(outcome.pendingLeft) | \(outcome.integrity) | \(outcome.others.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")) |
            """)
        #expect(try stack.deliver(event: "ping", body: Array(#"{"zen":"after"}"#.utf8)).status == 200)
        return outcome
    }

    @Test func withSynchronousFullEveryAcknowledgedDeliverySurvivesPowerCuts() throws {
        let outcome = try runPowerCuts(sync: "full")
        #expect(outcome.cuts >= 1 && outcome.acknowledged > 300 * outcome.cuts)
        #expect(outcome.lost == 0)
        #expect(outcome.wrongBodies == 0)
        #expect(outcome.integrity == "ok")
        #expect(outcome.pendingLeft == 0)
        #expect(outcome.others.keys.allSatisfy { [0, 502, 503, 504].contains($0) }, "\(outcome.others)")
    }

    @Test func withSynchronousNormalAPowerCutLosesAcknowledgedDeliveries() throws {
        let outcome = try runPowerCuts(sync: "normal")
        #expect(outcome.acknowledged > 300 * outcome.cuts)
        #expect(outcome.lost > 0, "the cut discarded nothing that mattered: the simulation would prove nothing")
        #expect(outcome.discardedWrites > 0)
        #expect(outcome.wrongBodies == 0)
        #expect(outcome.integrity == "ok")  // fewer rows, never a damaged file
    }
}

/// The undo log's reader, on logs written as the shim writes them.
@Suite struct UndoLogTests {
    private func record(_ kind: UndoRecord.Kind, offset: Int, sizeBefore: Int, old: [UInt8]) -> [UInt8] {
        func int64(_ value: Int) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        return [kind.rawValue] + int64(offset) + int64(old.count) + int64(sizeBefore) + old
    }

    @Test func aLastRecordCutShortByTheKillStandsForAChangeNeverMade() throws {
        let whole = record(.write, offset: 4096, sizeBefore: 8192, old: Array(repeating: 7, count: 100)) + record(.sync, offset: 0, sizeBefore: 0, old: [])
        let next = record(.write, offset: 0, sizeBefore: 8192, old: Array(repeating: 9, count: 4096))
        let records = try UndoRecord.parse(whole)
        #expect(records.map(\.kind) == [.write, .sync] && records[0].oldBytes == Array(repeating: 7, count: 100) && records[0].offset == 4096)
        for cut in [1, UndoRecord.headerSize - 1, UndoRecord.headerSize + 10, next.count - 1] {
            #expect(try UndoRecord.parse(whole + next.prefix(cut)).count == 2, "cut at \(cut)")
        }
        #expect(try UndoRecord.parse(whole + next).count == 3)
        #expect(throws: TestFailure.self) { try UndoRecord.parse(whole + [0x41] + next.dropFirst()) }
    }
}
