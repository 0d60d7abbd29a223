import Glibc
import Testing
@testable import Common

@Suite struct EventStoreTests {
    func makeEvent(_ delivery: String, hook: Int64 = 7, body: String = #"{"zen":"x"}"#) -> NewEvent {
        NewEvent(deliveryID: delivery, hookID: hook, event: "ping", action: nil, installationID: 42,
                 repository: "octo/hello", sender: "octocat", body: Array(body.utf8), contentType: "application/json",
                 targetType: "integration", targetID: 1, receivedAt: Timestamp(microsecondsSinceEpoch: 1_700_000_000_123_000))
    }

    @Test func createsTheDatabasePrivateAndMigrated() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/hubsync.db"
        let store = try EventStore(path: path, syncMode: .full, busyTimeoutMilliseconds: 1000)
        #expect(fileMode(path) == 0o600)
        #expect(try store.connection.scalarInt("PRAGMA user_version") == Int64(Migrations.currentVersion))
        #expect(try store.connection.scalarText("PRAGMA journal_mode") == "wal")
        #expect(try store.connection.scalarInt("PRAGMA synchronous") == 2)  // FULL
        #expect(try store.connection.scalarInt("PRAGMA foreign_keys") == 1)
        // Opening again migrates nothing twice.
        let again = try EventStore(path: path, syncMode: .normal, busyTimeoutMilliseconds: 1000)
        #expect(try again.connection.scalarInt("PRAGMA user_version") == Int64(Migrations.currentVersion))
        #expect(try again.connection.scalarInt("PRAGMA synchronous") == 1)  // NORMAL
    }

    @Test func storesOnceAndReportsDuplicatesKeepingTheFirstBody() throws {
        let directory = try TemporaryDirectory()
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .full)
        let first = try store.insert([makeEvent("d-1", body: #"{"n":1}"#)])
        guard case .stored(let id) = first[0] else { Issue.record("not stored: \(first)"); return }
        let second = try store.insert([makeEvent("d-1", body: #"{"n":2}"#)])
        #expect(second == [.duplicate(id: id, status: .pending)])
        let stored = try #require(try store.event(id: id))
        #expect(stored.body == Array(#"{"n":1}"#.utf8))
        #expect(stored.receivedAt == "2023-11-14T22:13:20.123Z")
        #expect(stored.repository == "octo/hello")
        #expect(try store.count() == 1)
        // The same GUID from another hook is another delivery (docs/github-protocol.md, section 4).
        let otherHook = try store.insert([makeEvent("d-1", hook: 8)])
        guard case .stored = otherHook[0] else { Issue.record("other hook not stored"); return }
        #expect(try store.count() == 2)
    }

    @Test func aBatchAnswersEachDeliveryIncludingDuplicatesWithinIt() throws {
        let directory = try TemporaryDirectory()
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .full)
        let outcomes = try store.insert([makeEvent("a"), makeEvent("b"), makeEvent("a")])
        #expect(outcomes.count == 3)
        guard case .stored(let firstID) = outcomes[0], case .stored = outcomes[1] else { Issue.record("\(outcomes)"); return }
        #expect(outcomes[2] == .duplicate(id: firstID, status: .pending))
        #expect(try store.count() == 2)
    }

    @Test func recordsOutcomesAndClaimsPendingEvents() throws {
        let directory = try TemporaryDirectory()
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .full)
        let ids = try store.insert([makeEvent("a"), makeEvent("b"), makeEvent("c")]).map(\.id)
        let later = Timestamp(microsecondsSinceEpoch: 1_800_000_000_000_000)
        #expect(try store.claim(.suspect, owner: "h/1/1", at: later, limit: 10).isEmpty)
        #expect(try store.claim(.fresh, owner: "h/1/1", at: later, limit: 2) == Array(ids.prefix(2)))
        #expect(try store.attemptsInProgress().map(\.eventID) == Array(ids.prefix(2)))
        #expect(try store.attemptsInProgress().first?.owner == "h/1/1")
        try store.recordOutcome(id: ids[0], EventOutcome(status: .processed, summary: ["k": "v"]), at: later)
        try store.recordOutcome(id: ids[1], EventOutcome(status: .failed, error: "payload has no ref"), at: later)
        #expect(try store.attemptsInProgress().isEmpty)
        #expect(try store.claim(.fresh, owner: "h/1/1", at: later, limit: 10) == [ids[2]])
        let processed = try #require(try store.event(id: ids[0]))
        #expect(processed.status == .processed)
        #expect(processed.summary == #"{"k":"v"}"#)
        #expect(processed.attempts == 1)
        #expect(processed.processedAt == later.iso8601)
        let failed = try #require(try store.event(deliveryID: "b", hookID: 7))
        #expect(failed.status == .failed)
        #expect(failed.error == "payload has no ref")
        #expect(try store.insert([makeEvent("b")]) == [.duplicate(id: ids[1], status: .failed)])
        #expect(try store.count(status: .failed) == 1)
    }

    @Test func aMissingDirectoryIsATransientStorageError() {
        do {
            _ = try EventStore(path: "/nonexistent-dir-\(getpid())/h.db", syncMode: .full, busyTimeoutMilliseconds: 100)
            Issue.record("opened a database in a missing directory")
        } catch let error as SQLiteError {
            #expect(error.isTransient)
            #expect(errorResponse(for: error).response.status == 503)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func timestampsAreISO8601UTCWithMilliseconds() {
        #expect(Timestamp(microsecondsSinceEpoch: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(microsecondsSinceEpoch: 1_764_151_977_123_456).iso8601 == "2025-11-26T10:12:57.123Z")
    }
}

@Suite struct EventStoreMemoryTests {
    /// A stored body must not stay in memory: a bound 25 MiB body kept until the next insert held
    /// each worker at twice that size (make bench, RSS after 25 MiB deliveries).
    @Test func aLargeBodyIsNotKeptAfterItIsStored() throws {
        let directory = try TemporaryDirectory()
        // SQLite's own memory, so SQLite's store whichever backend the suite runs on.
        let store = try EventStore(path: directory.path + "/h.db", syncMode: .normal, busyTimeoutMilliseconds: 1000)
        _ = try store.insert([NewEvent(deliveryID: "warm", hookID: 1, event: "ping", action: nil, installationID: nil, repository: nil,
                                       sender: nil, body: [1], contentType: "application/json", targetType: nil, targetID: nil,
                                       receivedAt: .now())])
        let before = SQLiteConnection.memoryInUseBytes
        let large = [UInt8](repeating: UInt8(ascii: "z"), count: 16 * 1024 * 1024)
        _ = try store.insert([NewEvent(deliveryID: "large", hookID: 1, event: "ping", action: nil, installationID: nil, repository: nil,
                                       sender: nil, body: large, contentType: "application/json", targetType: nil, targetID: nil,
                                       receivedAt: .now())])
        let after = SQLiteConnection.memoryInUseBytes
        // SQLite's page cache may fill up to its configured size; the 16 MiB body itself must be
        // gone (with the default 2 MB cache: 2.0 MB held with the body freed, 10.4 MB for 8 MiB kept).
        let cacheBytes = Int64(Database.pageCacheKibibytes) * 1024
        #expect(after - before < cacheBytes + 2 * 1024 * 1024, "SQLite still holds \(after - before) bytes")
        #expect(try store.event(deliveryID: "large", hookID: 1)?.body.count == large.count)
    }
}

@Suite struct EventsViewTests {
    func store(_ directory: TemporaryDirectory) throws -> EventStore {
        try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .normal)
    }

    func event(_ id: String) -> NewEvent {
        NewEvent(deliveryID: id, hookID: 3, event: "push", action: nil, installationID: 42, repository: "octo/hello",
                 sender: "octocat", body: Array(#"{"ref":"refs/heads/main"}"#.utf8), contentType: "application/json",
                 targetType: "integration", targetID: 7, receivedAt: Timestamp(microsecondsSinceEpoch: 1_700_000_000_000_000))
    }

    /// The columns the intake issue lists for `events`, all readable from the one view.
    @Test func eventsShowsEveryColumnOfADelivery() throws {
        let directory = try TemporaryDirectory()
        let store = try store(directory)
        _ = try store.insert([event("v-1")])
        let row = try store.connection.scalarText("""
            SELECT delivery_id || '|' || hook_id || '|' || event || '|' || coalesce(action, 'null') || '|' || installation_id
                   || '|' || repository || '|' || sender || '|' || \(store.database.dialect == .sqlite ? "CAST(body AS TEXT)" : "convert_from(body, 'UTF8')") || '|' || content_type || '|' || received_at
                   || '|' || status || '|' || attempts || '|' || coalesce(error, 'null') || '|' || coalesce(processed_at, 'null')
                   || '|' || coalesce(summary, 'null')
            FROM events
            """)
        #expect(row == #"v-1|3|push|null|42|octo/hello|octocat|{"ref":"refs/heads/main"}|application/json|2023-11-14T22:13:20.000Z|pending|0|null|null|null"#)
    }

    @Test func adminsCanUpdateAndDeleteThroughTheView() throws {
        let directory = try TemporaryDirectory()
        let store = try store(directory)
        let ids = try store.insert([event("a"), event("b")]).map(\.id)
        try store.connection.execute("UPDATE events SET status = 'failed', error = 'by hand' WHERE delivery_id = 'a'")
        #expect(try store.event(id: ids[0])?.status == .failed)
        #expect(try store.event(id: ids[0])?.error == "by hand")
        if store.database.dialect == .sqlite { try store.connection.execute("PRAGMA foreign_keys = OFF") }  // as in a sqlite3 shell
        try store.connection.execute("DELETE FROM events WHERE delivery_id = 'b'")
        #expect(try store.connection.scalarInt("SELECT count(*) FROM deliveries") == 1)
        #expect(try store.connection.scalarInt("SELECT count(*) FROM event_states") == 1)
    }

    @Test func theNewestEventsAreReadInRowidOrderWithoutASort() throws {
        let directory = try TemporaryDirectory()
        let store = try store(directory)
        _ = try store.insert((0..<60).map { event("e-\($0)") })
        let listing = try store.recentEvents(limit: 50)
        #expect(listing.count == 50)
        #expect(listing.first?.deliveryID == "e-59")
        #expect(listing.last?.deliveryID == "e-10")
        let plan = try store.recentEventsQueryPlan().joined(separator: "; ")
        #expect(!plan.contains("TEMP B-TREE") && !plan.contains("Sort"), "\(plan)")
        #expect(!plan.isEmpty)
    }
}
