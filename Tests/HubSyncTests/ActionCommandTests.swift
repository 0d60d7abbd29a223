import Testing
import TestSupport
@testable import Common

/// `hubsync actions list|check`: the built binary on a directory of action files.
@Suite struct ActionCommandTests {
    @Test func checkNamesEachBadFileAndLineAndListNeverShowsASecret() throws {
        let directory = try TemporaryDirectory()
        let environment = ["HUBSYNC_ACTIONS_DIR": directory.path, "HUBSYNC_DB": directory.path + "/h.db"]
        try writeFile(directory.path + "/odoo.action",
                      "EVENTS=*\nFORWARD_URL=https://odoo.example.com/odoo/github/webhook\nFORWARD_SECRET=forward-secret-0123456789\n")
        let good = try HubSyncCommand.run(["actions", "check"], environment: environment)
        #expect(good.status == 0, "\(good.output) \(good.error)")
        #expect(good.output.contains("1 action(s) ready, 0 file(s) refused"))
        let listed = try HubSyncCommand.run(["actions", "list", "--json"], environment: environment)
        #expect(listed.status == 0)
        #expect(listed.output.contains("\"forward_url\":\"https://odoo.example.com/odoo/github/webhook\""))
        #expect(!listed.output.contains("forward-secret"))

        try writeFile(directory.path + "/label.action", "EVENTS=issues\nCOMMAND=/usr/bin/gh issue edit | tee\n")
        let bad = try HubSyncCommand.run(["actions", "check"], environment: environment)
        #expect(bad.status == 1)
        #expect(bad.output.contains(directory.path + "/label.action:2: COMMAND: \"|\" needs a shell"))
        #expect(bad.output.contains("1 action(s) ready, 1 file(s) refused"))
    }
}

/// `hubsync outbox list|show|retry|cancel` and the outbox in `hubsync stats`, on items the store
/// queued as the intake does.
@Suite struct OutboxCommandTests {
    @Test func itemsAreListedRetriedCancelledAndCounted() throws {
        let directory = try TemporaryDirectory()
        let environment = ["HUBSYNC_DB": directory.path + "/h.db"]
        let store = try EventStore(path: directory.path + "/h.db", syncMode: .normal, busyTimeoutMilliseconds: 5000)
        let version = QueuedAction(name: "odoo", digest: Array(repeating: 7, count: 32), sealed: [1, 2, 3])
        for number in 0..<3 {
            _ = try store.insert([NewEvent(deliveryID: "d-\(number)", hookID: 1, event: "issues", action: "opened", installationID: 9,
                                           repository: "o/r", sender: "s", body: Array("{\"n\":\(number)}".utf8), contentType: "application/json",
                                           targetType: nil, targetID: nil, receivedAt: .now(), actions: [version])])
        }
        try store.connection.execute("UPDATE outbox SET status = 'dead', attempts = 7, last_result = 'HTTP 503' WHERE id = 1")

        let listed = try HubSyncCommand.run(["outbox", "list", "--json"], environment: environment)
        #expect(listed.status == 0, "\(listed.error)")
        #expect(listed.output.contains("\"delivery_id\":\"d-2\"") && listed.output.contains("\"last_result\":\"HTTP 503\""))
        let dead = try HubSyncCommand.run(["outbox", "list", "--status", "dead"], environment: environment)
        #expect(dead.output.contains("d-0") && !dead.output.contains("d-1"))
        #expect(try HubSyncCommand.run(["outbox", "list", "--status", "lost"], environment: environment).status == 64)

        let retried = try HubSyncCommand.run(["outbox", "retry", "1", "2"], environment: environment)
        #expect(retried.output.contains("1 of 2 item(s) queued again"))  // 2 is pending already
        #expect(try store.connection.scalarText("SELECT status || ' ' || attempts FROM outbox WHERE id = 1") == "pending 0")
        let cancelled = try HubSyncCommand.run(["outbox", "cancel", "3", "99"], environment: environment)
        #expect(cancelled.output.contains("1 of 2 item(s) cancelled"))
        let shown = try HubSyncCommand.run(["outbox", "show", "3", "--json"], environment: environment)
        #expect(shown.output.contains("\"status\":\"cancelled\"") && shown.output.contains("\"finished_at\":\"20"))
        #expect(try HubSyncCommand.run(["outbox", "show", "42"], environment: environment).status != 0)

        let stats = try HubSyncCommand.run(["stats", "--prometheus"], environment: environment)
        #expect(stats.output.contains("hubsync_outbox_items{status=\"pending\"} 2"))
        #expect(stats.output.contains("hubsync_outbox_items{status=\"cancelled\"} 1"))
        #expect(stats.output.contains("hubsync_outbox_oldest_unfinished_age_seconds "))
    }
}
