import Callback
import Common
import Foundation
import Testing
import TestSupport

/// The console in a real browser (issue 17): headless Chromium through nginx and callback-fcgi,
/// signing in at the fake GitHub's authorize page, as a person would.
@Suite(.serialized) struct ConsoleInChromiumTests {
    /// A stack whose handlers fail an event's first try (debug builds' fault injection) and give up
    /// at once, with the console open to octocat; the token key at a path the test can read.
    final class Console {
        let fake: FakeGitHub
        let stack: TestStack
        let browser: HeadlessChromium
        let tokenKeyPath: String
        var base: String { "http://127.0.0.1:\(stack.port)/github/admin" }

        init() throws {
            fake = try FakeGitHub()
            tokenKeyPath = try Paths.newRunDirectory("console-chromium-key") + "/token.key"
            stack = try TestStack(name: "console-chromium", environment: ["HUBSYNC_TEST_FAULTS": "1", "HUBSYNC_SWEEP_INTERVAL_MS": "200",
                                                                           "HUBSYNC_RETRY_ATTEMPTS": "1"],
                                  callbackEnvironment: fake.environment.merging(
                                    ["HUBSYNC_ADMINS": "octocat", "HUBSYNC_TOKEN_KEY_FILE": tokenKeyPath]) { _, new in new })
            browser = try HeadlessChromium()
        }

        deinit { stack.stop() }

        /// Delivers an `issues` event that fails, and waits until the runner has given up on it.
        func failedEvent(title: String, body text: String) throws {
            let payload: [String: Any] = ["action": "opened", "repository": ["full_name": "octo-org/web"], "sender": ["login": "octocat"],
                                          "issue": ["number": 7, "title": title, "body": text, "state": "open",
                                                    "updated_at": "2026-12-01T10:00:00Z", "user": ["login": "octocat"]],
                                          "hubsync_test_fault": ["kind": "fail", "attempts": 1]]
            let body = Array(try JSONSerialization.data(withJSONObject: payload, options: [.withoutEscapingSlashes]))
            #expect(try stack.deliver(event: "issues", body: body, id: "chromium-\(UUID().uuidString)").status == 200)
            #expect(try eventually(10) { try stack.sql("SELECT status FROM event_states ORDER BY event_id DESC LIMIT 1") == "failed" })
        }

        /// Signs in as `login` by opening `path`: to GitHub's authorize page and back.
        @discardableResult
        func signIn(as login: String, opening path: String = "") throws -> HeadlessChromium.Page {
            try fake.control(["authorize_as": login])
            return try browser.goto(base + path)
        }

        func sessionCookie() throws -> String? {
            try browser.cookies().first { $0["name"] as? String == AdminSession.cookieName }?["value"] as? String
        }

        func setSessionCookie(_ value: String) throws {
            try browser.setCookie(["name": AdminSession.cookieName, "value": value, "url": "http://127.0.0.1:\(stack.port)/",
                                   "path": "/", "secure": true, "httpOnly": true, "sameSite": "Strict"])
        }
    }

    @Test func signInSeeTheFailedEventMarkedReprocessItAndSeeItProcessed() throws {
        let console = try Console()
        let title = "<script>alert('title')</script>"
        let text = "\"><img src=x onerror=alert('body')>"
        try console.failedEvent(title: title, body: text)

        // Straight to the failed events: GitHub's authorize page, back with a code, then the list.
        let list = try console.signIn(as: "octocat", opening: "/events?status=failed")
        #expect(list.url == console.base + "/events?status=failed" && list.status == 200, "\(list)")
        #expect(try console.fake.log().contains { $0["outcome"] as? String == "authorized as octocat" })
        let row = try console.browser.evaluate("document.querySelector('tr.bad') ? document.querySelector('tr.bad').innerText : ''") as? String ?? ""
        #expect(row.contains("given up") && row.contains("octo-org/web"), "\(row)")
        // Marked by colour too: the row's background is not the table's white.
        let background = try console.browser.evaluate("getComputedStyle(document.querySelector('tr.bad td')).backgroundColor") as? String
        #expect(background != nil && background != "rgb(255, 255, 255)" && background != "rgba(0, 0, 0, 0)", "\(background ?? "")")

        // The event: what anyone on GitHub wrote is shown as text and never runs.
        let event = try console.browser.click("tr.bad a")
        #expect(event.url == console.base + "/events/1" && event.status == 200, "\(event)")
        let shown = try console.browser.text()
        #expect(shown.contains(title) && shown.contains(text.replacingOccurrences(of: "\"", with: "\\\"")), "\(shown)")
        #expect(try console.browser.evaluate("document.querySelectorAll('script, img').length") as? Int == 0)
        #expect(try console.browser.dialogs().isEmpty)

        // Reprocess: the page waits for the runner by refreshing itself, then shows the outcome.
        let after = try console.browser.click("form[action$='/reprocess'] button")
        #expect(after.url == console.base + "/events/1", "\(after) \((try? console.browser.text()) ?? "")")
        #expect(try eventually(15) {
            // The page reloads itself while the event waits: between two documents there is no status.
            (try? console.browser.evaluate("(document.querySelector('dd .status') || {}).innerText")) as? String == "processed"
        })
        #expect(try console.stack.sql("SELECT status FROM event_states") == "processed")
        #expect(try console.stack.sql("SELECT title FROM issues") == title)
        #expect(try console.browser.dialogs().isEmpty)
    }

    @Test func someoneNotInTheAdminsGetsA403NamingWhoMayEnter() throws {
        let console = try Console()
        let page = try console.signIn(as: "mallory", opening: "/events")
        #expect(page.status == 403, "\(page)")
        let text = try console.browser.text()
        #expect(text.contains("mallory") && text.contains("octocat"), "\(text)")
        #expect(try console.sessionCookie() == nil)
    }

    @Test func aFormWithoutItsCSRFTokenIsRefusedAndChangesNothing() throws {
        let console = try Console()
        try console.failedEvent(title: "broken", body: "")
        try console.signIn(as: "octocat", opening: "/events/1")
        _ = try console.browser.evaluate("document.querySelector('input[name=csrf]').remove()")
        let refused = try console.browser.click("form[action$='/reprocess'] button")
        #expect(refused.status == 403, "\(refused)")
        // A token of another session is refused as well.
        try console.browser.goto(console.base + "/events/1")
        _ = try console.browser.evaluate("(() => { const input = document.querySelector('input[name=csrf]'); input.value = (input.value[0] === 'b' ? 'c' : 'b') + input.value.slice(1) })()")
        #expect(try console.browser.click("form[action$='/reprocess'] button").status == 403)
        usleep(500_000)
        #expect(try console.stack.sql("SELECT status FROM event_states") == "failed")
    }

    @Test func anExpiredOrTamperedCookieSendsTheBrowserBackToSignIn() throws {
        let console = try Console()
        try console.signIn(as: "octocat", opening: "/outbox")
        let valid = try #require(try console.sessionCookie())
        // Nobody is signed in on GitHub now, so a trip to sign in stops at its authorize page.
        try console.fake.control(["authorize_as": "nobody"])
        let authorize = console.fake.baseURL + "/login/oauth/authorize?"

        // A character of the signed payload changed (every bit of an inner character counts; the
        // last one of a base64 text carries bits a decoder may ignore).
        var characters = Array(valid)
        characters[3] = characters[3] == "A" ? "B" : "A"
        let tampered = String(characters)
        try console.setSessionCookie(tampered)
        #expect(try console.browser.goto(console.base + "/outbox").url.hasPrefix(authorize))

        let key = try KeyFile.load(path: console.tokenKeyPath)
        let nineHoursAgo = try #require(Timestamp(secondsSinceEpoch: Timestamp.now().secondsSinceEpoch - 9 * 3_600))
        try console.setSessionCookie(AdminSession(tokenKey: key).issue(login: "octocat", now: nineHoursAgo))
        #expect(try console.browser.goto(console.base + "/outbox").url.hasPrefix(authorize))

        // The same key's fresh cookie opens the page: the refusals above were the expiry and the tampering.
        try console.setSessionCookie(AdminSession(tokenKey: key).issue(login: "octocat", now: .now()))
        let open = try console.browser.goto(console.base + "/outbox")
        #expect(open.url == console.base + "/outbox" && open.status == 200, "\(open)")
    }
}
