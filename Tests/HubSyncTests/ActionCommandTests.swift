import Testing
import TestSupport
@testable import Common

/// `hubsync actions list|check`: the built binary on a directory of action files.
@Suite struct ActionCommandTests {
    @Test func checkNamesEachBadFileAndLineAndListNeverShowsASecret() throws {
        let directory = try TemporaryDirectory()
        let environment = ["HUBSYNC_ACTIONS_DIR": directory.path, "HUBSYNC_DB": TestDatabase.location(in: directory, name: "h.db")]
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
        let environment = ["HUBSYNC_DB": TestDatabase.location(in: directory, name: "h.db")]
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .normal)
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

        // Each finished try, in JSON and as lines.
        let outbox = try OutboxStore(database: store.database)
        #expect(try outbox.startAttempt(id: 2, owner: "me", at: .now()))
        try outbox.finishAttempt(id: 2, owner: "me", succeeded: false, retryAt: .now(), result: "HTTP 502\u{1b}[31m", at: .now())
        let tries = try HubSyncCommand.run(["outbox", "show", "2", "--json"], environment: environment)
        #expect(tries.output.contains("\"tries\":[{") && tries.output.contains("\"succeeded\":false") && tries.output.contains("\"result\":\"HTTP 502\\u001b[31m\""), "\(tries.output)")
        let lines = try HubSyncCommand.run(["outbox", "show", "2"], environment: environment).output
        #expect(lines.contains(", failed: HTTP 502") && !lines.contains("\u{1b}"), "\(lines)")
    }
}

/// `hubsync dispatch --once`, the built binary: a WITH_TOKEN command gets a valid installation
/// token of the delivery's installation from the fake GitHub, and without the App it fails with a
/// reason instead of running.
@Suite(.serialized) struct DispatchCommandTests {
    @Test func aWithTokenCommandCallsGitHubAsTheInstallation() throws {
        let fake = try FakeGitHub()
        let directory = try TemporaryDirectory()
        let environment = fake.environment.merging(["HUBSYNC_DB": TestDatabase.location(in: directory, name: "h.db"), "HUBSYNC_KEY_FILE": directory.path + "/hubsync.key",
                                                    "HUBSYNC_LOG_LEVEL": "error"]) { _, new in new }
        #expect(try HubSyncCommand.run(["init"], environment: environment).status == 0)
        let key = try KeyFile.load(path: directory.path + "/hubsync.key")
        let text = "EVENTS=issues\nWITH_TOKEN=yes\nUSE_SHELL=yes\n"
            + "COMMAND=/usr/bin/curl -sSf -H \"Authorization: Bearer $GH_TOKEN\" -H 'Accept: application/vnd.github+json' "
            + "-H 'X-GitHub-Api-Version: 2022-11-28' \"$GITHUB_API_URL/installation/repositories\"\n"
        let action = try ActionFile.parse(text, path: "triage.action")
        let queued = QueuedAction(name: "triage", digest: action.digest,
                                  sealed: try SecretBox(key: key).seal(Array(text.utf8), associatedData: ActionDefinition.sealingContext("triage")))
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .normal)
        for (id, installation) in [("with-app", Int64(1)), ("no-installation", nil)] {
            _ = try store.insert([NewEvent(deliveryID: id, hookID: 1, event: "issues", action: "opened", installationID: installation,
                                           repository: "octo-org/hello-world", sender: nil, body: Array("{\"id\":\"\(id)\"}".utf8),
                                           contentType: "application/json", targetType: nil, targetID: nil, receivedAt: .now(),
                                           actions: [queued])])
        }
        let run = try HubSyncCommand.run(["dispatch", "--once"], environment: environment)
        #expect(run.status == 0, "\(run.error)")
        _ = try HubSyncCommand.run(["dispatch", "--once"], environment: environment)  // the second item, the lane being free again
        let outbox = try OutboxStore(database: store.database)
        let withApp = try #require(try outbox.item(id: 1))
        #expect(withApp.status == .done, "\(withApp.lastResult ?? "")")
        #expect(withApp.lastResult?.contains("octo-org/widgets") == true)
        let without = try #require(try outbox.item(id: 2))
        #expect(without.status == .retrying && without.lastResult == "WITH_TOKEN: the delivery names no installation")

        // The App not configured: the command does not run, and the item says why.
        _ = try store.insert([NewEvent(deliveryID: "no-app", hookID: 1, event: "issues", action: "opened", installationID: 1,
                                       repository: "octo-org/hello-world", sender: nil, body: Array("{}".utf8), contentType: "application/json",
                                       targetType: nil, targetID: nil, receivedAt: .now(), actions: [queued])])
        var noApp = environment
        noApp["GITHUB_APP_ID"] = nil
        _ = try HubSyncCommand.run(["dispatch", "--once"], environment: noApp)
        #expect(try outbox.item(id: 3)?.lastResult?.hasPrefix("WITH_TOKEN: the GitHub App is not configured") == true)
    }
}

/// `hubsync actions test NAME EVENT_ID`: the action as its file is now, once, on a stored event.
@Suite struct ActionTestCommandTests {
    @Test func anActionRunsOnceOnAStoredEventWithoutTouchingTheOutbox() throws {
        let directory = try TemporaryDirectory()
        let environment = ["HUBSYNC_DB": TestDatabase.location(in: directory, name: "h.db"), "HUBSYNC_KEY_FILE": directory.path + "/hubsync.key",
                           "HUBSYNC_ACTIONS_DIR": directory.path]
        #expect(try HubSyncCommand.run(["init"], environment: environment).status == 0)
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .normal)
        _ = try store.insert([NewEvent(deliveryID: "d-1", hookID: 1, event: "push", action: nil, installationID: nil, repository: "o/r",
                                       sender: nil, body: Array("{\"ref\":\"refs/heads/main\"}".utf8), contentType: "application/json",
                                       targetType: nil, targetID: nil, receivedAt: .now())])
        try writeFile(directory.path + "/show.action", "EVENTS=push\nCOMMAND=/bin/sh -c 'echo \"$HUBSYNC_DELIVERY $(cat)\"'\n")
        try writeFile(directory.path + "/fail.action", "EVENTS=push\nCOMMAND=/bin/sh -c 'echo no; exit 4'\n")
        let shown = try HubSyncCommand.run(["actions", "test", "show", "1"], environment: environment)
        #expect(shown.status == 0)
        #expect(shown.output == "ok: exit 0: d-1 {\"ref\":\"refs/heads/main\"}\n")
        let failed = try HubSyncCommand.run(["actions", "test", "fail", "1"], environment: environment)
        #expect(failed.status == 1 && failed.output.hasPrefix("failed: exit 4: no"))
        #expect(try HubSyncCommand.run(["actions", "test", "missing", "1"], environment: environment).error.contains("no action missing"))
        #expect(try store.connection.scalarInt("SELECT count(*) FROM outbox") == 0)
    }
}
