import Foundation
import Testing
@testable import Callback
@testable import Common

/// The console (issue 17) as a plain function of requests: sign in with GitHub against the fake
/// GitHub, the session cookie, the admin list, CSRF, and escaping of what anyone on GitHub wrote.
@Suite(.serialized) struct ConsoleTests {
    let fake: FakeGitHub
    let directory: TemporaryDirectory
    let responder: CallbackResponder
    let services: CallbackServices
    let host = "127.0.0.1:8080"

    init() throws {
        fake = try FakeGitHub()
        directory = try TemporaryDirectory()
        services = try ConsoleTests.services(fake: fake, directory: directory, [
            "HUBSYNC_ADMINS": "OctoCat, someone-else", "HUBSYNC_ADMIN_TEAMS": "octo-org/ops, Octo-Org/newcomers",
        ])
        responder = CallbackResponder(services: services)
    }

    /// Services on this test's database and fake GitHub, with `variables` set.
    static func services(fake: FakeGitHub, directory: TemporaryDirectory, _ variables: [String: String]) throws -> CallbackServices {
        let environment = fake.environment.merging(["HUBSYNC_DB": TestDatabase.location(in: directory, name: "h.db"), "HUBSYNC_KEY_FILE": directory.path + "/h.key"]) { _, new in new }
            .merging(variables) { _, new in new }
        return try CallbackServices(configuration: try Configuration(variables: environment), logger: Logger(program: "test", minimumLevel: .error))
    }

    func services(_ variables: [String: String]) throws -> CallbackServices {
        try ConsoleTests.services(fake: fake, directory: directory, variables)
    }

    func get(_ target: String, cookie: String? = nil) -> HTTPResponse {
        let (path, query) = target.split(separator: "?", maxSplits: 1).map(String.init).splitPair()
        var headers = ["host": host]
        if let cookie { headers["cookie"] = cookie }
        return responder.respond(HTTPRequest(method: "GET", path: path, query: query, headers: headers)).response
    }

    func post(_ path: String, form: String, cookie: String?, origin: String? = nil, host: String? = nil, serverPort: String? = nil) -> HTTPResponse {
        var headers = ["host": host ?? self.host, "content-type": "application/x-www-form-urlencoded"]
        if let cookie { headers["cookie"] = cookie }
        if let origin { headers["origin"] = origin }
        return responder.respond(HTTPRequest(method: "POST", path: path, headers: headers, body: Array(form.utf8), serverPort: serverPort)).response
    }

    /// The store with one `issues` event (id 1) whose handler gave up with `error`.
    func storeWithAGivenUpEvent(error: String) throws -> EventStore {
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .normal)
        _ = try store.insert([NewEvent(deliveryID: "d-1", hookID: 1, event: "issues", action: "opened", installationID: 5, repository: "o/r",
                                       sender: "octocat", body: Array("{}".utf8), contentType: "application/json", targetType: "integration",
                                       targetID: 4242, receivedAt: services.now())])
        try store.recordOutcome(id: 1, EventOutcome(status: .failed, error: error), at: services.now())
        return store
    }

    /// Signs in as the user behind `code`, from `target`; returns the callback's answer and the cookies it set.
    func signIn(code: String, from target: String = "/github/admin/events?status=failed") throws -> (HTTPResponse, [String: String]) {
        let start = get(target)
        #expect(start.status == 302)
        let location = try #require(start.header("Location"))
        #expect(location.hasPrefix(fake.baseURL + "/login/oauth/authorize?client_id=Iv1.ab1112223334445c&redirect_uri="
                                   + FormDecoding.percentEncode("http://\(host)/github/admin/callback") + "&state="))
        let state = try #require(FormDecoding.parameters(String(location.split(separator: "?")[1]))["state"])
        let stateCookie = try #require(setCookies(start)["hubsync_sign_in"])
        let finish = get("/github/admin/callback?code=\(code)&state=\(FormDecoding.percentEncode(state))", cookie: "hubsync_sign_in=\(stateCookie)")
        return (finish, setCookies(finish))
    }

    func setCookies(_ response: HTTPResponse) -> [String: String] {
        var cookies: [String: String] = [:]
        for (name, value) in response.headers where name == "Set-Cookie" {
            let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
            cookies[pair[0]] = pair.count > 1 ? pair[1] : ""
        }
        return cookies
    }

    func text(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test func anAdminSignsInWithGitHubAndReturnsToThePageAsked() throws {
        let (finish, cookies) = try signIn(code: "code-octocat-1")
        #expect(finish.status == 200)
        let session = try #require(cookies[AdminSession.cookieName])
        #expect(finish.headers.contains { $0.0 == "Set-Cookie" && $0.1.hasPrefix(AdminSession.cookieName + "=")
            && $0.1.contains("HttpOnly") && $0.1.contains("Secure") && $0.1.contains("SameSite=Strict") && $0.1.contains("Path=/") })
        #expect(text(finish).contains("<meta http-equiv=\"refresh\" content=\"0;url=/github/admin/events?status=failed\">"))
        // The user's token served one /user and was revoked; none is kept.
        let log = try fake.log()
        #expect(log.contains { $0["path"] as? String == "/user" })
        #expect(log.contains { ($0["path"] as? String ?? "").hasPrefix("/applications/") && $0["method"] as? String == "DELETE" })
        let page = get("/github/admin/events", cookie: "\(AdminSession.cookieName)=\(session)")
        #expect(page.status == 200 && text(page).contains("<h1>Events</h1>") && text(page).contains("octocat"))
        #expect(page.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
        #expect(page.header("Content-Security-Policy")?.contains("form-action 'self'") == true && page.header("Cache-Control") == "no-store")
        // same-origin, not no-referrer: under no-referrer a browser names its form POSTs "Origin: null".
        #expect(page.header("Referrer-Policy") == "same-origin" && page.header("X-Content-Type-Options") == "nosniff")
    }

    @Test func someoneNotListedGetsA403NamingWhoMayEnter() throws {
        let (finish, cookies) = try signIn(code: "code-mallory-1")
        #expect(finish.status == 403)
        #expect(cookies[AdminSession.cookieName] == nil)
        #expect(text(finish).contains("mallory may not enter the console") && text(finish).contains("<li>octocat</li>"))
    }

    /// HUBSYNC_ADMIN_TEAMS: an active member of a listed team gets in (GitHub's team membership
    /// API, asked with the user's own token before it is revoked); a pending invitation does not;
    /// the session stops opening pages when the team leaves the list.
    @Test func anActiveMemberOfAnAdminTeamGetsInAndAPendingOneDoesNot() throws {
        let (finish, cookies) = try signIn(code: "code-hubot-1")
        #expect(finish.status == 200, "\(text(finish))")
        let session = try #require(cookies[AdminSession.cookieName])
        #expect(try services.adminSession.verify(session, now: services.now()).team == "octo-org/ops")
        #expect(get("/github/admin/events", cookie: "\(AdminSession.cookieName)=\(session)").status == 200)
        let log = try fake.log()
        #expect(log.contains { $0["path"] as? String == "/orgs/octo-org/teams/ops/memberships/hubot" && $0["outcome"] as? String == "ok (active)" })

        let (refused, none) = try signIn(code: "code-mallory-2")  // invited to newcomers, not yet a member
        #expect(refused.status == 403 && none[AdminSession.cookieName] == nil)
        #expect(text(refused).contains("<li>members of the team octo-org/ops</li>"))
        #expect(try fake.log().contains { $0["path"] as? String == "/orgs/octo-org/teams/newcomers/memberships/mallory" && $0["outcome"] as? String == "ok (pending)" })

        // The same cookie under a configuration without that team: refused.
        let without = CallbackResponder(services: try services(["HUBSYNC_ADMINS": "octocat"]))
        let answer = without.respond(HTTPRequest(method: "GET", path: "/github/admin/events",
                                                 headers: ["host": host, "cookie": "\(AdminSession.cookieName)=\(session)"])).response
        #expect(answer.status == 403)
        // A team written into the cookie by hand breaks its signature.
        let parts = services.adminSession.issue(login: "mallory", now: services.now()).split(separator: ".").map(String.init)
        let payload = try #require(Base64URL.decode(parts[0])) + Array("\nocto-org/ops".utf8)
        #expect(throws: AdminSession.Rejection.forged) { try services.adminSession.verify(Base64URL.encode(payload) + "." + parts[1], now: services.now()) }
    }

    @Test func aTamperedExpiredOrForeignSessionIsSentToSignIn() throws {
        let (_, cookies) = try signIn(code: "code-octocat-2")
        let session = try #require(cookies[AdminSession.cookieName])
        var bytes = Array(session.utf8)
        bytes[3] = bytes[3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let otherKey = AdminSession(tokenKey: Array(repeating: 9, count: 32)).issue(login: "octocat", now: services.now())
        let expired = services.adminSession.issue(login: "octocat", now: services.now().adding(seconds: -AdminSession.lifetimeSeconds - 1))
        for cookie in [String(decoding: bytes, as: UTF8.self), otherKey, expired, "", "x.y", String(repeating: "A", count: 5000)] {
            let answer = get("/github/admin/events", cookie: "\(AdminSession.cookieName)=\(cookie)")
            #expect(answer.status == 302 && answer.header("Location")?.contains("/login/oauth/authorize") == true)
        }
        // A session of a login no longer listed opens nothing.
        let former = services.adminSession.issue(login: "mallory", now: services.now())
        #expect(get("/github/admin/", cookie: "\(AdminSession.cookieName)=\(former)").status == 403)
    }

    @Test func aSignInLinkIsUsedOnceInTheBrowserThatAskedAndNeverLeadsElsewhere() throws {
        let start = get("/github/admin/")
        let location = try #require(start.header("Location"))
        let state = try #require(FormDecoding.parameters(String(location.split(separator: "?")[1]))["state"])
        // Another browser (no state cookie), or a forged state: refused before GitHub is asked.
        #expect(get("/github/admin/callback?code=code-octocat-3&state=\(FormDecoding.percentEncode(state))").status == 403)
        #expect(try fake.stats()["oauth_exchanges"] as? Int == 0)
        // A state carrying another site is not followed.
        let (evil, cookie) = try services.signInState.issue(now: services.now(), carrying: Array("//evil.example/github/admin/".utf8))
        let finish = get("/github/admin/callback?code=code-octocat-4&state=\(FormDecoding.percentEncode(evil))", cookie: "hubsync_sign_in=\(cookie)")
        #expect(finish.status == 200 && text(finish).contains("content=\"0;url=/github/admin/\""))
        #expect(ConsoleSignIn.isConsolePath("/github/admin/events?x=1") && ConsoleSignIn.isConsolePath("/odoo/github/admin"))
        for path in ["//evil.example", "/github/adminx", "https://evil.example/github/admin/", "/github/admin/callback", "/github/admin/\u{1}"] {
            #expect(!ConsoleSignIn.isConsolePath(path), "\(path)")
        }
    }

    @Test func whatAnyoneOnGitHubWroteShowsAsText() throws {
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .normal)
        let hostile = #"{"action":"opened","issue":{"title":"<script>alert(1)</script>"},"x":"\"><img src=x onerror=alert(2)>"}"#
        _ = try store.insert([NewEvent(deliveryID: "d-<b>", hookID: 1, event: "issues", action: "<i>opened</i>", installationID: 5,
                                       repository: "o/<script>", sender: "\"><img src=x onerror=alert(3)>", body: Array(hostile.utf8),
                                       contentType: "application/json", targetType: nil, targetID: nil, receivedAt: services.now())])
        let session = services.adminSession.issue(login: "octocat", now: services.now())
        for target in ["/github/admin/events", "/github/admin/events/1", "/odoo/github/admin/events?repository=%3Cscript%3E"] {
            let page = text(get(target, cookie: "\(AdminSession.cookieName)=\(session)"))
            #expect(!page.contains("<script") && !page.contains("<img") && !page.contains("<i>") && !page.contains("<b>"), "\(target)")
        }
        let event = text(get("/github/admin/events/1", cookie: "\(AdminSession.cookieName)=\(session)"))
        #expect(event.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && event.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))
        #expect(get("/github/admin/events/2", cookie: "\(AdminSession.cookieName)=\(session)").status == 404)
        #expect(get("/github/admin/events/01", cookie: "\(AdminSession.cookieName)=\(session)").status == 404)
    }

    @Test func reprocessHandsAGivenUpEventBackToTheRunnerAndThePageWaitsForIt() throws {
        let store = try storeWithAGivenUpEvent(error: "payload has no issue")
        let session = services.adminSession.issue(login: "octocat", now: services.now())
        let admin = try services.adminSession.verify(session, now: services.now())
        let cookie = "\(AdminSession.cookieName)=\(session)"
        let before = text(get("/github/admin/events/1", cookie: cookie))
        #expect(before.contains("given up") && before.contains("status bad") && before.contains("<button>Reprocess</button>"))
        #expect(before.contains("<dt>Target</dt><dd>integration 4242</dd>") && before.contains("<dt>Hook</dt><dd>1</dd>"))
        #expect(before.contains("name=\"csrf\" value=\"\(admin.csrfToken)\""))
        let answer = post("/github/admin/events/1/reprocess", form: "csrf=\(FormDecoding.percentEncode(admin.csrfToken))", cookie: cookie)
        #expect(answer.status == 303 && answer.header("Location") == "/github/admin/events/1")
        let stored = try #require(try store.event(id: 1))
        #expect(stored.status == .pending && stored.error == nil && stored.attempts == 1)
        let after = text(get("/github/admin/events/1", cookie: cookie))
        #expect(after.contains("<meta http-equiv=\"refresh\" content=\"2\">") && after.contains("Waiting for the event runner"))
        #expect(post("/github/admin/events/9/reprocess", form: "csrf=\(FormDecoding.percentEncode(admin.csrfToken))", cookie: cookie).status == 404)
    }

    @Test func integrationsAndTheOutboxWithItsRetryButton() throws {
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .normal)
        try IntegrationStore(database: store.database).save(Integration(
            installationID: 42, accountLogin: "octo-<org>", accountID: 9, accountType: "Organization", repositorySelection: "selected",
            permissions: #"{"issues":"write","metadata":"read"}"#, events: #"["push","issues"]"#, setupAction: "install",
            installedByLogin: "octocat", installedByID: 1, status: "suspended", suspendedAt: "2026-12-01T00:00:00Z",
            createdAt: "2026-11-01T00:00:00Z", updatedAt: "2026-12-01T00:00:00Z"))
        let version = QueuedAction(name: "odoo", digest: Array(repeating: 1, count: 32), sealed: [1])
        _ = try store.insert([NewEvent(deliveryID: "d-1", hookID: 1, event: "push", action: nil, installationID: 42, repository: "o/r",
                                       sender: nil, body: Array("{}".utf8), contentType: "application/json", targetType: nil, targetID: nil,
                                       receivedAt: services.now(), actions: [version])])
        try store.connection.execute("UPDATE outbox SET status = 'dead', attempts = 7, last_result = 'HTTP 503: <b>down</b>'")
        let session = services.adminSession.issue(login: "octocat", now: services.now())
        let admin = try services.adminSession.verify(session, now: services.now())
        let cookie = "\(AdminSession.cookieName)=\(session)"
        let integrations = text(get("/github/admin/integrations", cookie: cookie))
        #expect(integrations.contains("octo-&lt;org&gt;") && integrations.contains("issues: write, metadata: read")
                && integrations.contains("issues, push") && integrations.contains("status bad\">suspended") && integrations.contains("none held"))
        let outbox = text(get("/github/admin/outbox?status=dead", cookie: cookie))
        #expect(outbox.contains("dead: 1") && outbox.contains("HTTP 503: &lt;b&gt;down&lt;/b&gt;") && outbox.contains("<button>Retry</button>"))
        let retried = post("/github/admin/outbox/1/retry", form: "csrf=\(FormDecoding.percentEncode(admin.csrfToken))", cookie: cookie)
        #expect(retried.status == 303 && retried.header("Location") == "/github/admin/outbox")
        let item = try #require(try OutboxStore(database: store.database).item(id: 1))
        #expect(item.status == .pending && item.attempts == 0)
        #expect(post("/github/admin/outbox/1/retry", form: "", cookie: cookie).status == 403)
        // The event's page lists the item's tries, what each ended with escaped.
        let outboxStore = try OutboxStore(database: store.database)
        #expect(try outboxStore.startAttempt(id: 1, owner: "me", at: services.now()))
        try outboxStore.finishAttempt(id: 1, owner: "me", succeeded: false, retryAt: services.now(), result: "HTTP 500: <i>oops</i>", at: services.now())
        #expect(try outboxStore.startAttempt(id: 1, owner: "me", at: services.now()))
        try outboxStore.finishAttempt(id: 1, owner: "me", succeeded: true, retryAt: nil, result: "HTTP 200", at: services.now())
        let event = text(get("/github/admin/events/1", cookie: cookie))
        #expect(event.contains("<summary>Item 1 (odoo): 2 tries</summary>") && event.contains("failed</span> HTTP 500: &lt;i&gt;oops&lt;/i&gt;")
                && event.contains("done</span> HTTP 200"), "\(event)")
    }

    @Test func theOverviewChartsDeliveriesPerHourFromIdRangesAndTheFailedOnes() throws {
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .normal)
        let now = services.now()
        let thisHour = Timestamp(microsecondsSinceEpoch: now.secondsSinceEpoch / 3_600 * 3_600 * 1_000_000)
        // 3 deliveries two hours ago (one failed), none an hour ago, 2 this hour (one pending).
        var number = 0
        for (hoursAgo, count) in [(2, 3), (0, 2)] {
            for index in 0..<count {
                number += 1
                _ = try store.insert([NewEvent(deliveryID: "d-\(number)", hookID: 1, event: "issues", action: nil, installationID: nil,
                                               repository: nil, sender: nil, body: Array("{\"n\":\(number)}".utf8), contentType: "application/json",
                                               targetType: nil, targetID: nil, receivedAt: thisHour.adding(seconds: -Int64(hoursAgo) * 3_600 + Int64(index) * 60))])
            }
        }
        try store.recordOutcome(id: 1, EventOutcome(status: .failed, error: "x"), at: now)
        for id: Int64 in [2, 3, 4] { try store.recordOutcome(id: id, EventOutcome(status: .processed), at: now) }
        let counts = try EventQueries(database: store.database).hourlyCounts(from: thisHour.adding(seconds: -2 * 3_600), hours: 3)
        #expect(counts.map { "\($0.total)/\($0.failed)/\($0.pending)" } == ["3/1/0", "0/0/0", "2/0/1"])
        #expect(counts.first?.hour == String(thisHour.adding(seconds: -7_200).iso8601.prefix(13)))
        let session = services.adminSession.issue(login: "octocat", now: now)
        let overview = text(get("/github/admin/", cookie: "\(AdminSession.cookieName)=\(session)"))
        #expect(overview.components(separatedBy: "<svg ").count == 3)
        #expect(overview.contains("aria-label=\"Last 24 hours: 5 deliveries received, 1 failed now\""))
        #expect(overview.contains(":00 UTC: 3 received, 1 failed, 0 pending</title>"))
        #expect(overview.contains("No handler ran."))
    }

    /// Handlers' run times, summed per hour and event by each commit: the overview's slowest
    /// handlers, over the last day only, each linking to its slowest event.
    @Test func theOverviewNamesTheSlowestHandlersOfTheLastDay() throws {
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .normal)
        let now = services.now()
        for number in 1...6 {
            _ = try store.insert([NewEvent(deliveryID: "d-\(number)", hookID: 1, event: number <= 4 ? "push" : "issues", action: nil,
                                           installationID: nil, repository: nil, sender: nil, body: Array("{}".utf8),
                                           contentType: "application/json", targetType: nil, targetID: nil, receivedAt: now)])
        }
        func outcome(_ event: String, _ microseconds: Int64) -> EventOutcome {
            var outcome = EventOutcome(status: .processed)
            outcome.handlerTiming = HandlerTiming(event: event, microseconds: microseconds)
            return outcome
        }
        // Two batches this hour; a slower push two days ago, outside the day shown.
        _ = try store.commit([.outcome(id: 1, outcome("push", 400), at: now), .outcome(id: 2, outcome("push", 12_500), at: now),
                              .outcome(id: 5, outcome("issues", 900), at: now)])
        _ = try store.commit([.outcome(id: 3, outcome("push", 2_000), at: now), .outcome(id: 6, outcome("issues", 1_100), at: now),
                              .outcome(id: 4, outcome("push", 9_000_000), at: now.adding(seconds: -48 * 3_600))])
        #expect(try store.connection.scalarInt("SELECT count(*) FROM handler_timings") == 3)
        let slowest = try EventQueries(database: store.database).slowestHandlers(since: now.adding(seconds: -24 * 3_600), limit: 8)
        #expect(slowest == [HandlerTimingSummary(event: "push", handled: 3, averageMicroseconds: 4_966, slowestMicroseconds: 12_500, slowestEventID: 2),
                            HandlerTimingSummary(event: "issues", handled: 2, averageMicroseconds: 1_000, slowestMicroseconds: 1_100, slowestEventID: 6)])
        let session = services.adminSession.issue(login: "octocat", now: now)
        let overview = text(get("/github/admin/", cookie: "\(AdminSession.cookieName)=\(session)"))
        #expect(overview.contains("<td data-label=\"Event\">push</td><td data-label=\"Handled\">3</td><td data-label=\"Average\">4.9 ms</td><td data-label=\"Slowest\"><a href=\"/github/admin/events/2\">12.5 ms</a></td>"), "\(overview)")
        #expect(overview.contains("<td data-label=\"Event\">issues</td><td data-label=\"Handled\">2</td><td data-label=\"Average\">1.0 ms</td><td data-label=\"Slowest\"><a href=\"/github/admin/events/6\">1.1 ms</a></td>"))
        // `events prune` takes the timings of the hours it prunes.
        _ = try EventQueries(database: store.database).prune(receivedBefore: now.adding(seconds: -24 * 3_600), statuses: [.processed], dryRun: false)
        #expect(try store.connection.scalarInt("SELECT count(*) FROM handler_timings") == 2)
    }

    /// The action and sender filters have no index: a page reads one window of ids, and links to
    /// the window before it, so no page reads the whole table.
    @Test func anUnindexedFilterReadsOneWindowOfIdsPerPage() throws {
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .normal)
        let count = Int(EventQueries.unindexedWindow) + 5_000
        _ = try store.insert((1...count).map { number in
            NewEvent(deliveryID: "d-\(number)", hookID: 1, event: "issues", action: number == 10 ? "transferred" : "opened", installationID: nil,
                     repository: nil, sender: "octocat", body: Array("{\"n\":\(number)}".utf8), contentType: "application/json",
                     targetType: nil, targetID: nil, receivedAt: services.now())
        })
        let queries = EventQueries(database: store.database)
        #expect(try queries.windowStart(EventFilter(action: "x")) == Int64(count) + 1 - EventQueries.unindexedWindow)
        #expect(try queries.windowStart(EventFilter(sender: "x", before: 100)) == 1)
        #expect(try queries.windowStart(EventFilter(event: "issues")) == nil)
        let cookie = "\(AdminSession.cookieName)=" + services.adminSession.issue(login: "octocat", now: services.now())
        let first = text(get("/github/admin/events?action=transferred", cookie: cookie))
        #expect(first.contains("No event matches among deliveries 5001 and newer"))
        let older = "/github/admin/events?action=transferred&amp;before=5001"
        #expect(first.contains(older))
        let second = text(get(older.replacingOccurrences(of: "&amp;", with: "&"), cookie: cookie))
        #expect(second.contains("<a href=\"/github/admin/events/10\">10</a>") && !second.contains("Older events"))
    }

    @Test func aTimeRangeNarrowsTheList() throws {
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .normal)
        let day = Timestamp(iso8601: "2026-11-25T00:00:00Z")!
        for (number, hours) in [(1, 1), (2, 25), (3, 26), (4, 49)] {
            _ = try store.insert([NewEvent(deliveryID: "d-\(number)", hookID: 1, event: "issues", action: nil, installationID: nil, repository: nil,
                                           sender: nil, body: Array("{\"n\":\(number)}".utf8), contentType: "application/json", targetType: nil,
                                           targetID: nil, receivedAt: day.adding(seconds: Int64(hours) * 3_600))])
        }
        let cookie = "\(AdminSession.cookieName)=" + services.adminSession.issue(login: "octocat", now: services.now())
        let page = text(get("/github/admin/events?from=2026-11-26&to=2026-11-27", cookie: cookie))
        #expect(page.contains("/github/admin/events/2\"") && page.contains("/github/admin/events/3\""))
        #expect(!page.contains("/github/admin/events/1\"") && !page.contains("/github/admin/events/4\""))
        #expect(page.contains("value=\"2026-11-26\""))
        #expect(text(get("/github/admin/events?from=yesterday%3Cb%3E", cookie: cookie)).contains("Not a time: yesterday&lt;b&gt;"))
    }

    /// The callback URL GitHub must know: from the request (Debian's nginx passes Host without the
    /// port, so the server port is added when it is not the scheme's default), or HUBSYNC_PUBLIC_URL.
    @Test func theCallbackURLIsTheOneTheBrowserCanReach() throws {
        let signIn = ConsoleSignIn(services: services)
        func url(_ host: String, _ scheme: String?, _ port: String?) throws -> String {
            try signIn.callbackURL(HTTPRequest(method: "GET", path: "/", headers: ["host": host], scheme: scheme, serverPort: port), base: "/github/admin")
        }
        #expect(try url("127.0.0.1", "http", "8080") == "http://127.0.0.1:8080/github/admin/callback")
        #expect(try url("hooks.example.com", "https", "443") == "https://hooks.example.com/github/admin/callback")
        #expect(try url("hooks.example.com", "https", "8443") == "https://hooks.example.com:8443/github/admin/callback")
        #expect(try url("hooks.example.com:9000", "http", "80") == "http://hooks.example.com:9000/github/admin/callback")
        #expect(try url("hooks.example.com", nil, nil) == "https://hooks.example.com/github/admin/callback")
        #expect(throws: ConsoleError.badHost) { try url("evil.example/x?", "https", "443") }
        let behindProxy = ConsoleSignIn(services: try services(["HUBSYNC_PUBLIC_URL": "https://hooks.example.com/"]))
        #expect(try behindProxy.callbackURL(HTTPRequest(method: "GET", path: "/", headers: ["host": "10.0.0.5"], scheme: "http", serverPort: "8080"),
                                            base: "/odoo/github/admin") == "https://hooks.example.com/odoo/github/admin/callback")
        #expect(throws: ConfigurationError.self) { try services(["HUBSYNC_PUBLIC_URL": "http://hooks.example.com"]) }
    }

    @Test func aPostWithoutTheSessionsCSRFTokenIsRefused() throws {
        let session = services.adminSession.issue(login: "octocat", now: services.now())
        let admin = try services.adminSession.verify(session, now: services.now())
        let cookie = "\(AdminSession.cookieName)=\(session)"
        #expect(post("/github/admin/events/1/reprocess", form: "", cookie: cookie).status == 403)
        #expect(post("/github/admin/events/1/reprocess", form: "csrf=wrong", cookie: cookie).status == 403)
        let other = try services.adminSession.verify(services.adminSession.issue(login: "octocat", now: services.now().adding(seconds: 1)), now: services.now())
        #expect(other.csrfToken != admin.csrfToken, "each session has its own token")
        #expect(post("/github/admin/events/1/reprocess", form: "csrf=\(other.csrfToken)", cookie: cookie).status == 403)
        #expect(post("/github/admin/events/1/reprocess", form: "csrf=\(admin.csrfToken)", cookie: nil).status == 403)
    }

    /// With its token, a form still has to come from the console's own origin, which a browser
    /// names with the port Debian's nginx leaves out of Host (found by the Chromium tests).
    @Test func aPostFromAnotherOriginIsRefusedAndTheConsolesOwnPortIsItsOrigin() throws {
        let store = try storeWithAGivenUpEvent(error: "no")
        let session = services.adminSession.issue(login: "octocat", now: services.now())
        let csrf = "csrf=" + FormDecoding.percentEncode(try services.adminSession.verify(session, now: services.now()).csrfToken)
        let cookie = "\(AdminSession.cookieName)=\(session)"
        for origin in ["http://evil.example", "http://127.0.0.1:8081", "https://127.0.0.1:8080", "null", ""] {
            #expect(post("/github/admin/events/1/reprocess", form: csrf, cookie: cookie, origin: origin, host: "127.0.0.1", serverPort: "8080").status == 403, "\(origin)")
        }
        #expect(try store.event(id: 1)?.status == .failed)
        let accepted = post("/github/admin/events/1/reprocess", form: csrf, cookie: cookie, origin: "http://127.0.0.1:8080", host: "127.0.0.1", serverPort: "8080")
        #expect(accepted.status == 303)
        #expect(try store.event(id: 1)?.status == .pending)
    }
}

private extension Array where Element == String {
    func splitPair() -> (String, String) { (self[0], count > 1 ? self[1] : "") }
}
