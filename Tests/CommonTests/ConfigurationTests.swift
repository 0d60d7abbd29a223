import Glibc
import Testing
import TestSupport
@testable import Common

@Suite struct ConfigurationTests {
    @Test func parsesEnvFiles() throws {
        let values = try EnvFile.parse("""
            # a comment
            export HUBSYNC_DB=/var/lib/x.db
            GITHUB_WEBHOOK_SECRET="a \\"quoted\\" secret"
            HUBSYNC_LOG_LEVEL='debug'   
              HUBSYNC_SYNC=normal # trailing comment
            EMPTY=

            """, path: "test.env")
        #expect(values == ["HUBSYNC_DB": "/var/lib/x.db", "GITHUB_WEBHOOK_SECRET": "a \"quoted\" secret",
                           "HUBSYNC_LOG_LEVEL": "debug", "HUBSYNC_SYNC": "normal", "EMPTY": ""])
    }

    @Test func readsFilesWithWindowsLineEndings() throws {
        #expect(try EnvFile.parse("HUBSYNC_DB=/a.db\r\nHUBSYNC_SYNC=normal\r\n", path: "crlf.env")
                == ["HUBSYNC_DB": "/a.db", "HUBSYNC_SYNC": "normal"])
    }

    @Test func namesTheFileAndLineOfAMalformedLine() {
        #expect(throws: ConfigurationError.malformedLine(path: "x.env", line: 2)) {
            try EnvFile.parse("A=1\nnot a pair\n", path: "x.env")
        }
        #expect(throws: ConfigurationError.malformedLine(path: "x.env", line: 1)) {
            try EnvFile.parse("A=\"unterminated\n", path: "x.env")
        }
    }

    @Test func defaultsAndValues() throws {
        let defaults = try Configuration(variables: [:])
        #expect(defaults.webhookSecrets.isEmpty)
        #expect(defaults.databasePath == "/var/lib/pulser-hub-sync/hubsync.db")
        #expect(defaults.maxBodyBytes == 25 * 1024 * 1024)
        #expect(defaults.syncMode == .full)
        let custom = try Configuration(variables: [
            "GITHUB_WEBHOOK_SECRET": "new", "GITHUB_WEBHOOK_SECRET_PREVIOUS": "old", "HUBSYNC_MAX_BODY": "1M", "HUBSYNC_SYNC": "NORMAL",
            "HUBSYNC_LOG_LEVEL": "warn", "GITHUB_APP_ID": "12345",
        ])
        #expect(custom.webhookSecrets == [Array("new".utf8), Array("old".utf8)])
        #expect(custom.webhookSecretVariables == ["GITHUB_WEBHOOK_SECRET", "GITHUB_WEBHOOK_SECRET_PREVIOUS"])
        #expect(custom.maxBodyBytes == 1_048_576)
        #expect(custom.syncMode == .normal)
        #expect(custom.logLevel == .warn)
        #expect(custom.appID == "12345")
    }

    /// The console's admins: logins, and teams as `org/slug`; anything else is refused by name.
    @Test func adminsAndAdminTeamsAreCheckedByShape() throws {
        let configuration = try Configuration(variables: ["HUBSYNC_ADMINS": " OctoCat ,hubot,", "HUBSYNC_ADMIN_TEAMS": "Octo-Org/Ops, octo-org/release_team"])
        #expect(configuration.admins == ["octocat", "hubot"] && configuration.adminTeams == ["octo-org/ops", "octo-org/release_team"])
        for bad in ["octo-org", "octo-org/", "/ops", "octo-org/ops/x", "-org/ops", "octo-org/o ps", "octo-org/ops\n", "octo-org/" + String(repeating: "a", count: 101)] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try Configuration(variables: ["HUBSYNC_ADMIN_TEAMS": bad]) }
        }
        #expect(throws: ConfigurationError.self) { try Configuration(variables: ["HUBSYNC_ADMINS": "octo cat"]) }
    }

    /// The client secret from a file of its own (out of webhook-fcgi's reach), read only when needed;
    /// the token key beside the secrets key unless named.
    @Test func theClientSecretComesFromItsFileAndTheTokenKeySitsBesideTheSecretsKey() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/client-secret"
        let missing = try Configuration(variables: ["GITHUB_APP_CLIENT_SECRET_PATH": path, "HUBSYNC_KEY_FILE": directory.path + "/k/hubsync.key"])
        #expect(missing.tokenKeyFilePath == directory.path + "/k/tokens.key")
        #expect(throws: ConfigurationError.self) { try missing.clientSecret() }  // loading did not read it; asking does
        try writeFile(path, "0123456789abcdef0123456789abcdef01234567\n")
        #expect(try missing.clientSecret() == "0123456789abcdef0123456789abcdef01234567")
        try writeFile(path, "\n")
        #expect(throws: ConfigurationError.self) { try missing.clientSecret() }
        #expect(try Configuration(variables: ["GITHUB_APP_CLIENT_SECRET": "value"]).clientSecret() == "value")
        #expect(try Configuration(variables: [:]).clientSecret() == nil)
        #expect(try Configuration(variables: [:]).tokenKeyFilePath == "/var/lib/pulser-hub-sync/tokens.key")
        #expect(try Configuration(variables: ["HUBSYNC_TOKEN_KEY_FILE": "/x/t.key"]).tokenKeyFilePath == "/x/t.key")
        #expect(throws: ConfigurationError.self) {
            try Configuration(variables: ["GITHUB_APP_CLIENT_SECRET": "value", "GITHUB_APP_CLIENT_SECRET_PATH": path])
        }
    }

    @Test(arguments: [
        ("HUBSYNC_MAX_BODY", "lots"), ("HUBSYNC_MAX_BODY", "0"), ("HUBSYNC_MAX_BODY", "99999999999G"),
        ("HUBSYNC_SYNC", "off"), ("HUBSYNC_LOG_LEVEL", "loud"), ("HUBSYNC_BUSY_TIMEOUT_MS", "-5"),
        ("GITHUB_APP_ID", "my-app"),
    ])
    func refusesABadValueNamingTheVariable(variable: String, value: String) {
        do {
            _ = try Configuration(variables: [variable: value])
            Issue.record("\(variable)=\(value) was accepted")
        } catch {
            #expect(error.description.hasPrefix(variable + ": "))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func environmentOverridesTheFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/hubsync.env"
        try writeFile(path, "HUBSYNC_DB=/from/file.db\nHUBSYNC_SYNC=normal\n")
        let configuration = try Configuration.load(environment: ["HUBSYNC_CONFIG": path, "HUBSYNC_DB": "/from/env.db"])
        #expect(configuration.databasePath == "/from/env.db")
        #expect(configuration.syncMode == .normal)
        #expect(throws: ConfigurationError.self) {
            try Configuration.load(environment: ["HUBSYNC_CONFIG": directory.path + "/missing.env"])
        }
    }

    /// A comma is a character of a secret: `strong,x` is one secret, and `x` alone matches nothing
    /// (issue 14: it was split, and a delivery signed with `x` was stored).
    @Test func aSecretIsTakenWholeCommasIncluded() throws {
        let configuration = try Configuration(variables: ["GITHUB_WEBHOOK_SECRET": "Str0ngSecretValue0123456789abcdef,x"])
        #expect(configuration.webhookSecrets == [Array("Str0ngSecretValue0123456789abcdef,x".utf8)])
        let body = Array("{}".utf8)
        let signedWithPiece = try #require(HubSignature(header: HubSignature.header(for: body, secret: Array("x".utf8))))
        #expect(signedWithPiece.matchingSecretIndex(body: body, secrets: configuration.webhookSecrets) == nil)
    }

    @Test func aSecretShorterThan16BytesIsRefusedNamingItsVariable() throws {
        try WebhookSecretPolicy.requireMinimumStrength(try Configuration(variables: ["GITHUB_WEBHOOK_SECRET": String(repeating: "k", count: 16)]))
        for (variable, value) in [("GITHUB_WEBHOOK_SECRET", "x"), ("GITHUB_WEBHOOK_SECRET", String(repeating: "k", count: 15)),
                                  ("GITHUB_WEBHOOK_SECRET_PREVIOUS", "short")] {
            var variables = ["GITHUB_WEBHOOK_SECRET": String(repeating: "k", count: 40)]
            variables[variable] = value
            #expect(throws: ConfigurationError.self) { try WebhookSecretPolicy.requireMinimumStrength(try Configuration(variables: variables)) }
            do {
                try WebhookSecretPolicy.requireMinimumStrength(try Configuration(variables: variables))
            } catch {
                #expect("\(error)".hasPrefix(variable + ": "), "\(error)")
                #expect("\(error)".contains("hubsync secret rotate"), "\(error)")
            }
        }
    }
}

/// The example configuration the package ships: every value it shows, uncommented, is accepted,
/// and the retry settings it documents are the defaults.
@Suite struct ShippedConfigurationTests {
    @Test func everyDocumentedValueOfTheExampleIsValid() throws {
        let repository = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let text = String(decoding: try readSmallFile("/" + repository + "/packaging/hubsync.env"), as: UTF8.self)
        var lines: [String] = []
        for line in text.split(separator: "\n") {
            var candidate = String(line)
            if candidate.hasPrefix("#"), candidate.dropFirst().first?.isUppercase == true, candidate.contains("=") { candidate.removeFirst() }
            guard !candidate.hasPrefix("#"), let equals = candidate.firstIndex(of: "="), candidate[candidate.index(after: equals)...].count > 0
            else { continue }
            lines.append(candidate)
        }
        let variables = try EnvFile.parse(lines.joined(separator: "\n"), path: "packaging/hubsync.env")
        let configuration = try Configuration(variables: variables)
        #expect(variables["HUBSYNC_RETRY_ATTEMPTS"] == "6" && variables["HUBSYNC_SWEEP_INTERVAL_MS"] == "5000")
        #expect(configuration.retryPolicy == HandlerRetryPolicy())
        #expect(configuration.syncMode == .full)
    }
}
