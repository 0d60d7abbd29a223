import Callback
import Common
import Foundation
import Testing
import TestSupport

/// The installation callback and the install link through a real nginx and callback-fcgi, against
/// the fake GitHub, which checks what it is sent (JWT signature, client secret, headers).
@Suite(.serialized) struct CallbackThroughNginxTests {
    func get(_ stack: TestStack, _ path: String, cookie: String? = nil) throws -> HTTPResult {
        try RawHTTP.send(port: stack.port, method: "GET", path: path, headers: cookie.map { [("Cookie", $0)] } ?? [])
    }

    func integrations(_ stack: TestStack) throws -> String {
        try stack.sql("SELECT installation_id, account_login, account_type, repository_selection, status, installed_by_login FROM integrations ORDER BY installation_id")
    }

    @Test func aRealInstallIsVerifiedRecordedAndShown() throws {
        let fake = try FakeGitHub()
        let stack = try TestStack(name: "callback", callbackEnvironment: fake.environment)
        let result = try get(stack, "/github/auth/callback?code=code-octocat-1&installation_id=1&setup_action=install")
        #expect(result.status == 200, "\(result.text)")
        #expect(result.text.contains("Pulser Hub Sync is installed on octo-org"))
        #expect(result.text.contains("contents: read"))
        #expect(result.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        #expect(result.headers["cache-control"] == "no-store")
        #expect(try integrations(stack) == "1|octo-org|Organization|selected|active|octocat")
        // The user's token served the checks only: revoked, and not kept (issue 14, point 4).
        #expect(try stack.sql("SELECT kind, owner_id FROM tokens ORDER BY kind") == "installation|1")
        #expect(try fake.stats()["revoked_user_tokens"] as? Int == 1)
        // What GitHub was asked, in order, and what the fake verified: octocat owns octo-org.
        let calls = try fake.log().map { "\($0["method"] as? String ?? "") \($0["path"] as? String ?? "")" }
        #expect(calls == ["POST /login/oauth/access_token", "GET /user", "GET /user/installations", "GET /app/installations/1",
                          "GET /user/memberships/orgs/octo-org", "POST /app/installations/1/access_tokens",
                          "DELETE /applications/\(fake.environment["GITHUB_APP_CLIENT_ID"] ?? "")/token"])
        // The same URL under the Odoo module's path, for an update of the same installation.
        let update = try get(stack, "/odoo/github/auth/callback?code=code-octocat-2&installation_id=1&setup_action=update")
        #expect(update.status == 200)
        #expect(try stack.sql("SELECT setup_action, CASE WHEN created_at <= updated_at THEN 1 ELSE 0 END FROM integrations") == "update|1")
        // The stored installation token still had most of its hour: reused, not fetched again.
        #expect((try fake.stats()["installation_tokens"] as? [String: Int])?["1"] == 1)
        // No token, refresh token or secret in the database, the logs or the pages.
        var stored: [UInt8] = []
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: stack.databasePath + suffix) {
            stored += Array(try Data(contentsOf: URL(fileURLWithPath: stack.databasePath + suffix)))
        }
        let logs = stack.callbackLog + stack.log
        for secret in try fake.issuedTokens() + [FakeGitHub.clientSecret] {
            #expect(stored.firstRange(of: Array(secret.utf8)) == nil)
            #expect(!logs.contains(secret))
            #expect(!result.text.contains(secret) && !update.text.contains(secret))
        }
    }

    /// Issue 14, point 4: a member of an organization (or an outside collaborator) reaches its
    /// installation through /user/installations, but does not manage it: refused, nothing recorded,
    /// nothing of the installation shown, and the token revoked. An owner coming back through the
    /// install link is accepted; a return that drops the link's state is refused.
    @Test func reachingAnInstallationIsNotManagingIt() throws {
        let fake = try FakeGitHub()
        let stack = try TestStack(name: "member", callbackEnvironment: fake.environment)
        let result = try get(stack, "/github/auth/callback?code=code-mallory-3&installation_id=1")
        #expect(result.status == 403, "\(result.text)")
        #expect(result.text.contains("Only an owner of octo-org can register this installation"))
        #expect(!result.text.contains("contents: read"), "the installation's permissions were shown")
        #expect(try integrations(stack) == "")
        #expect(try stack.sql("SELECT count(*) FROM tokens") == "0")
        #expect(try fake.stats()["revoked_user_tokens"] as? Int == 1)

        // The install link's cookie without its state: refused before GitHub is asked anything.
        let before = try fake.log().count
        let dropped = try get(stack, "/github/auth/callback?code=code-mallory-4&installation_id=1", cookie: "hubsync_install=AAAAAAAAAAAAAAAAAAAAAA")
        #expect(dropped.status == 403 && dropped.text.contains("This installation link is not valid"))
        #expect(try fake.log().count == before)
    }

    @Test func aForgedInstallationIDIsRefusedAndNothingRecorded() throws {
        let fake = try FakeGitHub()
        let stack = try TestStack(name: "forged", callbackEnvironment: fake.environment)
        // octocat cannot reach mallory's installation 66.
        let result = try get(stack, "/github/auth/callback?code=code-octocat-3&installation_id=66&setup_action=install")
        #expect(result.status == 403)
        #expect(result.text.contains("This installation does not belong to your GitHub account"))
        #expect(try integrations(stack) == "")
        #expect(try fake.log().contains { $0["path"] as? String == "/app/installations/66" } == false)
    }

    @Test func everyParameterProblemHasItsPage() throws {
        let fake = try FakeGitHub()
        let stack = try TestStack(name: "params", callbackEnvironment: fake.environment)
        let cases: [(String, Int, String)] = [
            ("/github/auth/callback?setup_action=request", 200, "Installation requested"),
            ("/github/auth/callback?installation_id=1", 400, "Missing authorization code or installation ID"),
            ("/github/auth/callback?code=abc", 400, "Missing authorization code or installation ID"),
            ("/github/auth/callback", 400, "Missing authorization code or installation ID"),
            ("/github/auth/callback?code=abc&installation_id=12x", 400, "Invalid installation ID"),
            ("/github/auth/callback?code=abc&installation_id=-1", 400, "Invalid installation ID"),
            ("/github/auth/callback?code=used-or-unknown&installation_id=1", 400, "The authorization code has expired or was already used"),
            ("/github/auth/callback?code=code-octocat-4&installation_id=7&setup_action=install", 403, "This installation is suspended"),
        ]
        for (path, status, text) in cases {
            let result = try get(stack, path)
            #expect(result.status == status, "\(path)")
            #expect(result.text.contains(text), "\(path): \(result.text.prefix(300))")
        }
        #expect(try fake.log().filter { $0["path"] as? String == "/login/oauth/access_token" }.count == 2)  // only the last two got that far
        let post = try RawHTTP.send(port: stack.port, method: "POST", path: "/github/auth/callback?code=a&installation_id=1")
        #expect(post.status == 405)
        #expect(post.headers["allow"] == "GET, HEAD")
        #expect(try integrations(stack) == "7|sleepy-org|Organization|all|suspended|octocat")
    }

    @Test func injectedMarkupIsNeverEchoed() throws {
        let fake = try FakeGitHub()
        let stack = try TestStack(name: "inject", callbackEnvironment: fake.environment)
        let payload = "%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%27%3E%3Cimg%20src%3Dx%3E"
        for path in ["/github/auth/callback?code=\(payload)&installation_id=\(payload)",
                     "/github/auth/callback?code=\(payload)&installation_id=1&setup_action=\(payload)",
                     "/github/auth/callback?code=code-octocat-5&installation_id=1&state=\(payload)",
                     "/github/auth/callback?setup_action=request&state=\(payload)"] {
            let result = try get(stack, path, cookie: "hubsync_install=\(payload)")
            #expect(result.status < 500, "\(path)")
            #expect(!result.text.contains("<script") && !result.text.contains("<img"), "\(path)")
        }
    }

    /// Issue 14, point 6: the browser routes are limited per address by the shipped snippet: a
    /// burst of 20 passes, then a 429 page with Retry-After instead of one call to GitHub each.
    @Test func aBurstOfBrowserRequestsIsLimited() throws {
        let fake = try FakeGitHub()
        let stack = try TestStack(name: "limited", callbackEnvironment: fake.environment)
        var statuses: [Int] = []
        var limited: HTTPResult?
        for _ in 0..<40 {
            let result = try get(stack, "/github/auth/callback?code=code-octocat-9&installation_id=1")
            statuses.append(result.status)
            if result.status == 429 && limited == nil { limited = result }
        }
        #expect(statuses.prefix(20).allSatisfy { $0 != 429 }, "\(statuses)")
        #expect(statuses.filter { $0 == 429 }.count >= 10, "\(statuses)")
        #expect(limited?.headers["retry-after"] == "10")
        #expect(limited?.text.contains("Too many requests") == true)
        // A refused request never reaches GitHub: code exchanges at most one per request let
        // through (the bucket refills at 5 a second, so how many get through depends on the run's pace).
        let exchanges = try fake.log().filter { $0["path"] as? String == "/login/oauth/access_token" }.count
        #expect(exchanges <= statuses.filter { $0 != 429 }.count && exchanges <= 40 - 10, "\(exchanges) exchanges for \(statuses)")
    }

    @Test func theInstallLinkIsBoundToTheBrowserThatStartedIt() throws {
        let fake = try FakeGitHub()
        let stack = try TestStack(name: "install", callbackEnvironment: fake.environment)
        let redirect = try get(stack, "/github/install")
        #expect(redirect.status == 302)
        let location = try #require(redirect.headers["location"])
        #expect(location.hasPrefix(fake.baseURL + "/apps/pulser-hub-sync-test/installations/new?state="))
        let cookieHeader = try #require(redirect.headers["set-cookie"])
        #expect(cookieHeader.contains("HttpOnly") && cookieHeader.contains("Secure") && cookieHeader.contains("SameSite=Lax"))
        let cookie = String(cookieHeader.split(separator: ";")[0])
        let state = String(location.split(separator: "=", maxSplits: 1)[1])
        // Another browser (no cookie, or another cookie) cannot use this state.
        #expect(try get(stack, "/github/auth/callback?code=code-octocat-6&installation_id=2&state=\(state)").status == 403)
        #expect(try get(stack, "/github/auth/callback?code=code-octocat-6&installation_id=2&state=\(state)",
                        cookie: "hubsync_install=AAAAAAAAAAAAAAAAAAAAAA").status == 403)
        #expect(try get(stack, "/github/auth/callback?code=code-octocat-6&installation_id=2&state=x.\(state)", cookie: cookie).status == 403)
        // The browser that started it completes it.
        let done = try get(stack, "/github/auth/callback?code=code-octocat-6&installation_id=2&setup_action=install&state=\(state)", cookie: cookie)
        #expect(done.status == 200, "\(done.text)")
        #expect(done.text.contains("It can see all repositories of octocat."))
        // A state this server issued, with its cookie, but eleven minutes ago: expired.
        let keyFile = stack.directory + "/tokens.key"  // the token key signs install state
        let stale = try BrowserState(tokenKey: KeyFile.load(path: keyFile), purpose: .install).issue(now: Timestamp.now().adding(seconds: -660))
        let expired = try get(stack, "/github/auth/callback?code=code-octocat-5&installation_id=2&state=\(stale.state)",
                              cookie: "hubsync_install=\(stale.cookieValue)")
        #expect(expired.status == 403)
        #expect(expired.text.contains("This installation link is not valid"))
        // The Odoo module's install URL works too.
        #expect(try get(stack, "/odoo/github/install").status == 302)
    }

    @Test func gitHubFailuresBecomeClearPages() throws {
        let fake = try FakeGitHub()
        let stack = try TestStack(name: "ghfail", callbackEnvironment: fake.environment)
        try fake.setMode("error500")
        let down = try get(stack, "/github/auth/callback?code=code-octocat-7&installation_id=1")
        #expect(down.status == 502)
        #expect(down.text.contains("Could not reach GitHub"))
        try fake.setMode("ratelimit")
        // The code exchange still works; the REST calls after it are rate limited.
        let limited = try get(stack, "/github/auth/callback?code=code-octocat-8&installation_id=1")
        #expect(limited.status == 503)
        #expect(limited.text.contains("GitHub is limiting requests from this App"))
        #expect(try integrations(stack) == "")
        let unreachable = try TestStack(name: "ghdown", callbackEnvironment: fake.environment.merging(
            ["GITHUB_URL": "http://127.0.0.1:\(try FakeGitHub.closedPort())", "GITHUB_API_URL": "http://127.0.0.1:\(try FakeGitHub.closedPort())"],
            uniquingKeysWith: { _, new in new }))
        let refused = try get(unreachable, "/github/auth/callback?code=code-octocat-9&installation_id=1")
        #expect(refused.status == 502)
        #expect(refused.text.contains("Could not reach GitHub"))
    }
}

extension FakeGitHub {
    static func closedPort() throws -> UInt16 { try freePort() }
}
