import Foundation
import Testing
import TestSupport
@testable import Common

/// `hubsync store copy` (issue 18): SQLite to PostgreSQL and back, resumable, verified by counts
/// and checksums. Always on a real PostgreSQL server, whichever pass of make test this is.
@Suite(.serialized) struct StoreCopyTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    func hubsync(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try HubSyncCommand.run(arguments, environment: ["HUBSYNC_KEY_FILE": directory.path + "/hubsync.key"])
    }

    /// The copy's tables by name, from its JSON.
    func copy(from source: String, to destination: String) throws -> (tables: [String: [String: Any]], verified: Bool) {
        let result = try hubsync(["store", "copy", "--from", source, "--to", destination, "--json"])
        #expect(result.status == 0, "\(result.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let tables = (object["tables"] as? [[String: Any]] ?? []).map { ($0["table"] as? String ?? "", $0) }
        return (Dictionary(uniqueKeysWithValues: tables), object["verified"] as? Bool == true)
    }

    /// 2,500 deliveries (past two chunks) with bodies of every byte value, outcomes, mirror rows and
    /// an outbox item with a try, as the programs leave them.
    func makeSource(_ path: String) throws -> EventStore {
        let store = try EventStore(path: path, syncMode: .normal, busyTimeoutMilliseconds: 5000)
        var generator = SystemRandomNumberGenerator()
        let action = QueuedAction(name: "odoo", digest: Array(repeating: 7, count: 32), sealed: [1, 2, 3])
        for batch in 0..<25 {
            let events = (0..<100).map { index in
                NewEvent(deliveryID: "copy-\(batch)-\(index)", hookID: 9, event: index % 3 == 0 ? "issues" : "push", action: "opened",
                         installationID: 42, repository: "octo/hello", sender: "octocat",
                         body: (0..<(50 + index)).map { _ in UInt8.random(in: 0...255, using: &generator) },
                         contentType: "application/json", targetType: "integration", targetID: 1,
                         receivedAt: Timestamp(microsecondsSinceEpoch: 1_764_000_000_000_000 + Int64(batch * 100 + index) * 1_000_000),
                         actions: index == 0 ? [action] : [])
            }
            let ids = try store.insert(events).map(\.id)
            try store.recordOutcome(id: ids[1], EventOutcome(status: .failed, error: "handler failed: \u{1F680} 'quoted'"), at: .now())
            try store.recordOutcome(id: ids[2], EventOutcome(status: .processed, summary: ["number": .int(Int64(batch))], changes: [
                .issue(IssueRecord(repository: "octo/hello", number: Int64(batch), title: "Issue \(batch)", state: "open", stateReason: nil,
                                   labels: ["bug"], assignees: [], author: "octocat", updatedAt: "2026-11-26T09:00:00.000Z",
                                   isDeleted: false, transferredTo: nil)),
            ]), at: .now())
        }
        let outbox = try OutboxStore(database: store.database)
        #expect(try outbox.startAttempt(id: 1, owner: "h/1/1", at: .now()))
        try outbox.finishAttempt(id: 1, owner: "h/1/1", succeeded: false, retryAt: .now(), result: "HTTP 503", at: .now())
        return store
    }

    @Test func sqliteToPostgreSQLAndBackIsExactResumableAndVerified() throws {
        let sqlite = directory.path + "/source.db"
        let source = try makeSource(sqlite)
        let postgreSQL = TestDatabase.postgreSQLLocation(key: directory.path + "/copy")

        let first = try copy(from: sqlite, to: postgreSQL)
        #expect(first.verified)
        #expect(first.tables["deliveries"]?["rows"] as? Int == 2_500 && first.tables["deliveries"]?["written"] as? Int == 2_500)
        #expect(first.tables["issues"]?["rows"] as? Int == 25 && first.tables["outbox_attempts"]?["rows"] as? Int == 1)
        // Run again: nothing to write.
        let again = try copy(from: sqlite, to: postgreSQL)
        #expect(again.verified && again.tables.values.allSatisfy { $0["written"] as? Int == 0 && $0["deleted"] as? Int == 0 })

        // An interrupted copy (the destination missing rows) and changes at the source meanwhile:
        // the next run writes exactly those.
        let target = try Database(postgreSQL: postgreSQL, schema: "hubsync")
        try target.connection.execute("DELETE FROM deliveries WHERE id > 2000")
        _ = try source.insert([NewEvent(deliveryID: "late", hookID: 9, event: "push", action: nil, installationID: nil, repository: nil,
                                        sender: nil, body: [0, 255], contentType: "application/json", targetType: nil, targetID: nil,
                                        receivedAt: .now())])
        try source.connection.execute("UPDATE event_states SET status = 'skipped' WHERE event_id = 10")
        try source.connection.execute("DELETE FROM deliveries WHERE id = 20")
        let resumed = try copy(from: sqlite, to: postgreSQL)
        #expect(resumed.verified)
        #expect(resumed.tables["deliveries"]?["written"] as? Int == 501 && resumed.tables["deliveries"]?["deleted"] as? Int == 1)
        // The trigger gave the 501 rows their pending states; of those, the ten the source holds
        // otherwise (failed, processed) are written, and #10's change.
        #expect(resumed.tables["event_states"]?["written"] as? Int == 11)

        // The copy takes new rows after the copied ids, as the programs would write them.
        let onPostgreSQL = try EventStore(database: target)
        let next = try onPostgreSQL.insert([NewEvent(deliveryID: "after-copy", hookID: 9, event: "ping", action: nil, installationID: nil,
                                                     repository: nil, sender: nil, body: [1], contentType: "application/json",
                                                     targetType: nil, targetID: nil, receivedAt: .now())])
        #expect(next.first?.id == 2_502)
        try onPostgreSQL.connection.execute("DELETE FROM deliveries WHERE delivery_id = 'after-copy'")

        // And back, into a new SQLite file: every body and state as at the source.
        let back = directory.path + "/back.db"
        #expect(try copy(from: postgreSQL, to: back).verified)
        let returned = try EventStore(path: back, syncMode: .normal, busyTimeoutMilliseconds: 5000)
        for id: Int64 in [1, 2, 3, 10, 2_000, 2_501] {
            let original = try #require(try source.event(id: id)), copied = try #require(try returned.event(id: id))
            #expect(copied == original, "event \(id)")
        }
        #expect(try returned.event(id: 20) == nil)

        // A backup of the PostgreSQL store is such a copy too.
        let backup = try HubSyncCommand.run(["backup", directory.path + "/backup.db", "--json"],
                                            environment: ["HUBSYNC_DB": postgreSQL, "HUBSYNC_KEY_FILE": directory.path + "/hubsync.key"])
        #expect(backup.status == 0 && backup.output.contains(#""events":2500"#), "\(backup.output) \(backup.error)")
    }

    /// A destination written by a newer program is left alone, in words.
    @Test func aDestinationOfANewerSchemaIsRefused() throws {
        let newer = directory.path + "/newer.db"
        _ = try makeSource(newer)
        try SQLiteConnection(path: newer, busyTimeoutMilliseconds: 1000).execute("PRAGMA user_version = 99")
        let result = try hubsync(["store", "copy", "--from", directory.path + "/source.db", "--to", newer])
        #expect(result.status != 0 && result.error.contains("newer than this program's"), "\(result.error)")
    }
}
