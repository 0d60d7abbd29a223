import Testing
import TestSupport

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
