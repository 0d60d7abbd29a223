import Foundation
import Synchronization
import Testing
@testable import Common
@testable import GitHub

@Suite(.serialized) struct GitHubClientTests {
    func configuration(_ fake: FakeGitHub, directory: TemporaryDirectory, apiURL: String? = nil) throws -> Configuration {
        var variables = fake.environment
        variables["HUBSYNC_DB"] = TestDatabase.location(in: directory, name: "h.db")
        variables["HUBSYNC_KEY_FILE"] = directory.path + "/h.key"
        if let apiURL { variables["GITHUB_API_URL"] = apiURL }
        return try Configuration(variables: variables)
    }

    @Test func callsCarryGitHubsHeadersAndAVerifiedAppJWT() throws {
        let fake = try FakeGitHub()
        let directory = try TemporaryDirectory()
        let settings = try configuration(fake, directory: directory)
        let client = try GitHubClient(configuration: settings)
        let jwt = try AppJWT.make(configuration: settings, now: .now())
        #expect(try client.rest("GET", "/app", credential: .bearer(jwt)).json?["slug"]?.stringValue == "pulser-hub-sync-test")
        let entry = try #require(try fake.log().last)
        #expect(entry["path"] as? String == "/app")
        #expect((entry["auth"] as? String)?.contains("RS256 signature, iss, iat, exp verified") == true)
        // A JWT signed with another key is refused by the fake, and the error carries GitHub's message.
        let other = try FakeGitHub()
        let forged = try AppJWT.make(configuration: configuration(other, directory: directory), now: .now())
        #expect(throws: GitHubError.http(status: 401, message: "invalid JWT (InvalidSignature)")) {
            try client.rest("GET", "/app", credential: .bearer(forged))
        }
    }

    @Test func serverErrorsAreRetriedThreeTimesWithBackoffThenReported() throws {
        let fake = try FakeGitHub()
        let directory = try TemporaryDirectory()
        let pauses = Mutex<[Double]>([])
        let client = try GitHubClient(configuration: configuration(fake, directory: directory), pause: { seconds in pauses.withLock { $0.append(seconds) } })
        try fake.setMode("error500")
        #expect(throws: GitHubError.server(status: 502)) { try client.rest("GET", "/user", credential: .bearer("x")) }
        let recorded = pauses.withLock { $0 }
        #expect(recorded.count == 3)
        #expect(zip(recorded, [0.5, 1.0, 2.0]).allSatisfy { $0 >= $1 * 0.5 && $0 <= $1 * 1.5 }, "\(recorded)")
        #expect(try fake.log().filter { $0["path"] as? String == "/user" }.count == 4)
    }

    @Test func rateLimitsAreReportedWithTheirResetTimeAndNotRetried() throws {
        let fake = try FakeGitHub()
        let directory = try TemporaryDirectory()
        let pauses = Mutex(0)
        let client = try GitHubClient(configuration: configuration(fake, directory: directory), pause: { _ in pauses.withLock { $0 += 1 } })
        try fake.setMode("ratelimit")
        // (Caught whole and switched on: a `catch .rateLimited(let ...)` pattern crashes Swift 6.3's SILGen.)
        let error = #expect(throws: GitHubError.self) { try client.rest("GET", "/app", credential: .bearer("x")) }
        guard case .rateLimited(let resetAt, let retryAfter)? = error else { Issue.record("not a rate limit: \(String(describing: error))"); return }
        let inHalfAnHour = Timestamp.now().secondsSinceEpoch + 1800
        #expect(resetAt.map { abs($0 - inHalfAnHour) <= 5 } == true)
        #expect(retryAfter == nil)
        #expect(pauses.withLock { $0 } == 0)
    }

    @Test func anUnreachableGitHubIsReportedAfterTheRetries() throws {
        let fake = try FakeGitHub()
        let directory = try TemporaryDirectory()
        let closedPort = try freePort()
        let pauses = Mutex(0)
        let client = try GitHubClient(configuration: configuration(fake, directory: directory, apiURL: "http://127.0.0.1:\(closedPort)"),
                                      pause: { _ in pauses.withLock { $0 += 1 } })
        let error = #expect(throws: GitHubError.self) { try client.rest("GET", "/app", credential: .none) }
        #expect(error?.isUnreachable == true)
        #expect(pauses.withLock { $0 } == 3)
    }

    /// Issue 14, point 5: URLs from answers are not trusted.
    @Test func absoluteURLsMustBeOnTheAPIBase() throws {
        let fake = try FakeGitHub()
        let directory = try TemporaryDirectory()
        let settings = try configuration(fake, directory: directory)
        let client = try GitHubClient(configuration: settings)
        let port = try #require(URLOrigin(settings.gitHubAPIURL)?.port)
        #expect(try client.rest("GET", settings.gitHubAPIURL + "/app", credential: .bearer(try AppJWT.make(configuration: settings, now: .now())))
            .status == 200)
        let before = try fake.log().count
        for link in ["http://localhost:\(port)/app", "https://127.0.0.1:\(port)/app", "http://127.0.0.1:\(port + 1)/app",
                     "http://127.0.0.1:\(port)@evil.example/app", "http://evil.example/?x=http://127.0.0.1:\(port)/"] {
            let error = #expect(throws: GitHubError.self) { try client.rest("GET", link, credential: .bearer("a-token")) }
            #expect("\(error.map { "\($0)" } ?? "")".contains("outside GITHUB_API_URL"), "\(link)")
        }
        #expect(try fake.log().count == before, "a link to another origin was requested")
    }

    @Test func onlyGETsFollowRedirects() throws {
        let fake = try FakeGitHub()
        let directory = try TemporaryDirectory()
        let client = try GitHubClient(configuration: configuration(fake, directory: directory))
        try fake.control(["mode": "redirect", "count": 1])
        #expect(try client.rest("GET", "/somewhere", credential: .bearer("t")).json?["landed"]?.boolValue == true)
        try fake.control(["mode": "redirect", "count": 1])
        let answer = try client.rest("POST", "/somewhere", credential: .bearer("t"), json: ["refresh_token": "ghr_secret"])
        #expect(answer.status == 307)
        try fake.control(["mode": "redirect", "count": 1])
        _ = try? client.oauthAccessToken(form: [("client_secret", "the-client-secret")])
        let landings = try fake.log().filter { $0["path"] as? String == "/_landing" }
        #expect(landings.count == 1 && landings.first?["method"] as? String == "GET", "\(landings)")
    }

    @Test func anAnswerOverTheSizeLimitIsRefused() throws {
        let fake = try FakeGitHub()
        let directory = try TemporaryDirectory()
        let client = try GitHubClient(configuration: configuration(fake, directory: directory))
        try fake.control(["mode": "huge", "bytes": GitHubClient.maxResponseBytes + 1])
        let error = #expect(throws: GitHubError.self) { try client.rest("GET", "/app", credential: .none) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("larger than \(GitHubClient.maxResponseBytes) bytes"))
        try fake.control(["mode": "huge", "bytes": 1 << 20, "count": 1])
        #expect(try client.rest("GET", "/app", credential: .none).body.count == 1 << 20)
    }

    @Test func plainHTTPIsRefusedExceptOnLoopback() {
        #expect(throws: ConfigurationError.self) { try Configuration(variables: ["GITHUB_API_URL": "http://api.github.com"]) }
        // The loopback check reads the parsed host: before @ is a user name, and a name may only look like an address.
        for url in ["http://127.0.0.1@evil.example", "http://127.0.0.1.evil.example", "http://127.evil.example:80",
                    "http://localhost.evil.example", "http://user:pw@127.0.0.1:9", "https://", "http://[::1"] {
            #expect(throws: ConfigurationError.self, "\(url)") { try Configuration(variables: ["GITHUB_API_URL": url]) }
        }
        #expect((try? Configuration(variables: ["GITHUB_API_URL": "http://[::1]:8080/api"]))?.gitHubAPIURL == "http://[::1]:8080/api")
        #expect(throws: ConfigurationError.self) { try Configuration(variables: ["GITHUB_URL": "ftp://github.com"]) }
        #expect((try? Configuration(variables: ["GITHUB_API_URL": "http://127.0.0.1:9/"]))?.gitHubAPIURL == "http://127.0.0.1:9")
        #expect((try? Configuration(variables: ["GITHUB_API_URL": "https://ghe.example.com/api/v3"]))?.gitHubAPIURL == "https://ghe.example.com/api/v3")
    }
}
