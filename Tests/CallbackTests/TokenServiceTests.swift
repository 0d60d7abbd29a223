import Foundation
import Synchronization
import Testing
@testable import Common
@testable import GitHub

@Suite(.serialized) struct TokenServiceTests {
    struct Setup {
        let fake: FakeGitHub
        let directory: TemporaryDirectory
        let configuration: Configuration
        let box: SecretBox

        init(tokenLifetimeSeconds: Int = 3600) throws {
            fake = try FakeGitHub(tokenLifetimeSeconds: tokenLifetimeSeconds)
            directory = try TemporaryDirectory()
            var variables = fake.environment
            variables["HUBSYNC_DB"] = TestDatabase.location(in: directory, name: "h.db")
            variables["HUBSYNC_KEY_FILE"] = directory.path + "/h.key"
            configuration = try Configuration(variables: variables)
            box = SecretBox(key: try KeyFile.tokenKey(configuration))
        }

        /// A token service of its own (connection, client, lock file descriptor), as another process has.
        func service(now: @escaping () -> Timestamp = { .now() }) throws -> TokenService {
            try TokenService(configuration: configuration, client: GitHubClient(configuration: configuration),
                             database: Database(configuration: configuration), box: box, now: now)
        }

        func tokenCalls(_ installation: Int) throws -> Int {
            (try fake.stats()["installation_tokens"] as? [String: Int])?[String(installation)] ?? 0
        }
    }

    @Test func anInstallationTokenIsReusedWhileItHasMoreThanFiveMinutesLeft() throws {
        let setup = try Setup()
        let first = try setup.service().installationToken(for: 1)
        #expect(first.token.hasPrefix("ghs_4242_") && first.token.count > 400)  // the ~520-character format
        #expect(try setup.service().installationToken(for: 1).token == first.token)
        #expect(try setup.service().installationToken(for: 1, minimumLifetimeSeconds: 1800).token == first.token)
        #expect(try setup.tokenCalls(1) == 1)
        // Asking for more life than it has left fetches a new one.
        #expect(try setup.service().installationToken(for: 1, minimumLifetimeSeconds: 3700).token != first.token)
        #expect(try setup.tokenCalls(1) == 2)
    }

    /// A stored token sealed under another key (an older version's shared key, or a replaced token
    /// key) is fetched again instead of failing every call for its installation.
    @Test func aTokenSealedUnderAnotherKeyIsFetchedAgain() throws {
        let setup = try Setup()
        let first = try setup.service().installationToken(for: 1)
        let otherKey = SecretBox(key: try randomBytes(32))
        let other = try TokenService(configuration: setup.configuration, client: GitHubClient(configuration: setup.configuration),
                                     database: Database(configuration: setup.configuration), box: otherKey)
        let second = try other.installationToken(for: 1)
        #expect(second.token != first.token)
        #expect(try setup.tokenCalls(1) == 2)
        #expect(try other.installationToken(for: 1).token == second.token)  // and kept, sealed under the new key
        #expect(try setup.tokenCalls(1) == 2)
    }

    /// The 5-minute margin with real time: tokens that live 301 s are reused, tokens that live
    /// 299 s are refreshed at every use.
    @Test func theFiveMinuteMarginDecidesReuse() throws {
        let longer = try Setup(tokenLifetimeSeconds: 302)
        let kept = try longer.service().installationToken(for: 1)
        #expect(try longer.service().installationToken(for: 1).token == kept.token)
        #expect(try longer.tokenCalls(1) == 1)
        let shorter = try Setup(tokenLifetimeSeconds: 299)
        let spent = try shorter.service().installationToken(for: 1)
        #expect(try shorter.service().installationToken(for: 1).token != spent.token)
        #expect(try shorter.tokenCalls(1) == 2)
    }

    /// Two services with their own connections and lock descriptors (flock locks belong to an open
    /// file description, so this is what two processes do) refresh at the same moment: one call.
    @Test func twoRefreshersAtOnceCauseOneCall() throws {
        let setup = try Setup()
        let services = try (0..<2).map { _ in try setup.service() }
        let tokens = Mutex<[String]>([])
        let threads = services.map { service in
            // Each service is used by its own thread only.
            nonisolated(unsafe) let service = service
            return NativeThread { if let token = try? service.installationToken(for: 2).token { tokens.withLock { $0.append(token) } } }
        }
        for thread in threads { thread.join() }
        let issued = tokens.withLock { $0 }
        #expect(issued.count == 2)
        #expect(Set(issued).count == 1)
        #expect(try setup.tokenCalls(2) == 1)
    }

    @Test func userTokensAreRefreshedAndTheRotatedRefreshTokenIsKept() throws {
        let setup = try Setup()
        let client = try GitHubClient(configuration: setup.configuration)
        let grant = try UserTokenGrant.request(client: client, configuration: setup.configuration, form: [("code", "code-octocat-9")])
        #expect(grant.accessToken.hasPrefix("ghu_") && grant.refreshToken?.hasPrefix("ghr_") == true && grant.expiresInSeconds == 28800)
        try setup.service().saveUserToken(grant, userID: 1)
        #expect(try setup.service().userToken(for: 1) == grant.accessToken)
        // Eight hours later the token has expired: refreshed once, and again later with the rotated refresh token.
        let later = Timestamp.now().adding(seconds: 28800)
        let refreshed = try setup.service(now: { later }).userToken(for: 1)
        #expect(refreshed != grant.accessToken)
        let muchLater = later.adding(seconds: 28800)
        let again = try setup.service(now: { muchLater }).userToken(for: 1)
        #expect(again != refreshed)
        #expect(try setup.fake.stats()["refreshes"] as? Int == 2)
    }

    @Test func aReusedCodeIsGitHubsTwoHundredWithAnError() throws {
        let setup = try Setup()
        let client = try GitHubClient(configuration: setup.configuration)
        _ = try UserTokenGrant.request(client: client, configuration: setup.configuration, form: [("code", "code-octocat-8")])
        #expect(throws: TokenError.oauth(code: "bad_verification_code")) {
            try UserTokenGrant.request(client: client, configuration: setup.configuration, form: [("code", "code-octocat-8")])
        }
    }

    @Test func theDatabaseNeverHoldsATokenInPlainText() throws {
        let setup = try Setup()
        _ = try setup.service().installationToken(for: 1)
        let client = try GitHubClient(configuration: setup.configuration)
        try setup.service().saveUserToken(try UserTokenGrant.request(client: client, configuration: setup.configuration,
                                                                     form: [("code", "code-octocat-7")]), userID: 1)
        let issued = try setup.fake.issuedTokens()
        #expect(issued.count == 3)  // installation token, user token, refresh token
        var stored: [UInt8] = []
        if TestDatabase.usesPostgreSQL {
            // Every row of every table, as text (bytea as hex), searched for the token and its hex.
            let database = try Database(configuration: setup.configuration)
            let tables = try database.connection.prepare("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            var names: [String] = []
            while try tables.step() { names.append(tables.text(0) ?? "") }
            for name in names {
                let rows = try database.connection.prepare("SELECT t::text FROM \(name) AS t")
                while try rows.step() { stored += Array((rows.text(0) ?? "").utf8) }
            }
        } else {
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: setup.configuration.databasePath + suffix) {
                stored += try readBytes(setup.configuration.databasePath + suffix)
            }
        }
        #expect(stored.count > 0)
        for token in issued {
            let hex = token.utf8.map { String(format: "%02x", $0) }.joined()
            #expect(stored.firstRange(of: Array(token.utf8)) == nil, "a token is stored in plain text")
            #expect(stored.firstRange(of: Array(token.prefix(24).utf8)) == nil && stored.firstRange(of: Array(hex.utf8)) == nil)
        }
    }
}
