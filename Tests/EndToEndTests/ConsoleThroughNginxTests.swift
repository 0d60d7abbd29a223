import Callback
import Common
import Foundation
import Testing
import TestSupport

/// The console through a real nginx, callback-fcgi and webhook-fcgi's event runner, against the
/// fake GitHub (issue 17): sign in, find a failed event marked, Reprocess it, see it processed.
/// (The same in a real browser, headless Chromium, comes with the console's later steps.)
@Suite(.serialized) struct ConsoleThroughNginxTests {
    @Test func signInFindTheFailedEventReprocessItAndSeeItProcessed() throws {
        let fake = try FakeGitHub()
        // A handler that fails its first try only (debug builds' fault injection); the runner
        // sweeps often, so a reprocessed event is taken at once.
        let stack = try TestStack(name: "console", environment: ["HUBSYNC_TEST_FAULTS": "1", "HUBSYNC_SWEEP_INTERVAL_MS": "200",
                                                                  "HUBSYNC_RETRY_ATTEMPTS": "1"],
                                  callbackEnvironment: fake.environment.merging(["HUBSYNC_ADMINS": "octocat"]) { _, new in new })
        defer { stack.stop() }
        let body = #"{"action":"opened","issue":{"number":7,"title":"<script>alert(1)</script>","state":"open","updated_at":"2026-12-01T10:00:00Z","user":{"login":"octocat"}},"repository":{"full_name":"octo-org/web"},"sender":{"login":"octocat"},"hubsync_test_fault":{"kind":"fail","attempts":1}}"#
        #expect(try stack.deliver(event: "issues", body: Array(body.utf8), id: "console-1").status == 200)
        #expect(try eventually(10) { try stack.sql("SELECT status FROM event_states") == "failed" })

        // Signing in from the failed events' page: GitHub's authorize page (octocat is signed in
        // there), which sends the browser back with a code and the state, then the console.
        try fake.control(["authorize_as": "octocat"])
        let start = try RawHTTP.send(port: stack.port, method: "GET", path: "/github/admin/events?status=failed")
        #expect(start.status == 302, "\(start.text)")
        let location = try #require(start.headers["location"])
        #expect(location.hasPrefix(fake.baseURL + "/login/oauth/authorize?client_id="))
        let stateCookie = try #require(start.cookies["hubsync_sign_in"])
        let authorize = try RawHTTP.send(port: fake.port, method: "GET", path: String(location.dropFirst(fake.baseURL.count)))
        let callback = try #require(authorize.headers["location"])
        #expect(callback.hasPrefix("http://127.0.0.1:\(stack.port)/github/admin/callback?code="), "\(callback)")
        let back = try RawHTTP.send(port: stack.port, method: "GET", path: String(callback.dropFirst("http://127.0.0.1:\(stack.port)".count)),
                                    headers: [("Cookie", "hubsync_sign_in=\(stateCookie)")])
        #expect(back.status == 200 && back.text.contains("url=/github/admin/events?status=failed"), "\(back.text)")
        let session = "\(AdminSession.cookieName)=" + (try #require(back.cookies[AdminSession.cookieName]))

        let list = try RawHTTP.send(port: stack.port, method: "GET", path: "/github/admin/events?status=failed", headers: [("Cookie", session)])
        #expect(list.status == 200 && list.text.contains("<tr class=\"bad\">") && list.text.contains("given up"), "\(list.text)")
        let page = try RawHTTP.send(port: stack.port, method: "GET", path: "/github/admin/events/1", headers: [("Cookie", session)])
        #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !page.text.contains("<script>"))
        let csrf = try #require(page.text.split(separator: "name=\"csrf\" value=\"").dropFirst().first?.split(separator: "\"").first)

        // Without the token: refused, nothing changes. With it: back to the runner, then processed.
        let forged = try RawHTTP.send(port: stack.port, path: "/github/admin/events/1/reprocess",
                                      headers: [("Cookie", session), ("Content-Type", "application/x-www-form-urlencoded")], body: [])
        let afterForged = try stack.sql("SELECT status FROM event_states")
        #expect(forged.status == 403 && afterForged == "failed")
        let reprocess = try RawHTTP.send(port: stack.port, path: "/github/admin/events/1/reprocess",
                                         headers: [("Cookie", session), ("Content-Type", "application/x-www-form-urlencoded")],
                                         body: Array("csrf=\(FormDecoding.percentEncode(String(csrf)))".utf8))
        #expect(reprocess.status == 303 && reprocess.headers["location"] == "/github/admin/events/1")
        #expect(try eventually(10) { try stack.sql("SELECT status FROM event_states") == "processed" })
        let done = try RawHTTP.send(port: stack.port, method: "GET", path: "/github/admin/events/1", headers: [("Cookie", session)])
        #expect(done.text.contains("status good\">processed") && !done.text.contains("http-equiv=\"refresh\""))
        // The mirror has the issue the reprocessed event carried.
        #expect(try stack.sql("SELECT number, title FROM issues") == "7|<script>alert(1)</script>")
    }
}
