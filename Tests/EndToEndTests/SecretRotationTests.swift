import Foundation
import Testing
import TestSupport

/// `hubsync secret` against a running webhook-fcgi behind nginx: a secret stored or rotated is
/// accepted on the next delivery without a restart, the old one stays valid until `retire`, and
/// `rotate --github` sets the new value on the (fake) GitHub.
@Suite(.serialized) struct SecretRotationTests {
    @Test func rotationThroughGitHubLosesNoDeliveryAndRetireEndsTheOldSecret() throws {
        let fake = try FakeGitHub()
        let keyFile = try Paths.newRunDirectory("rotation-key") + "/hubsync.key"
        let stack = try TestStack(name: "rotation", secret: nil, environment: ["HUBSYNC_KEY_FILE": keyFile])
        let environment = fake.environment.merging(["HUBSYNC_DB": stack.databasePath, "HUBSYNC_KEY_FILE": keyFile, "HUBSYNC_CONFIG": "/dev/null",
                                                    "PATH": "/usr/bin:/bin"]) { _, new in new }
        func hubsync(_ arguments: [String], input: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
            let result = try run(Paths.program("hubsync"), arguments, environment: environment, input: input.map { Array($0.utf8) })
            return (result.status, result.stdout, result.stderr)
        }
        func deliver(signedWith secret: String) throws -> Int {
            let body = Array(#"{"zen":"Keep it logically awesome.","hook_id":1}"#.utf8)
            return try RawHTTP.send(port: stack.port, path: "/github/webhook",
                                    headers: deliveryHeaders(event: "ping", body: body, id: newDeliveryID(), secret: secret), body: body).status
        }

        // No secret anywhere: refused, nothing stored.
        #expect(try deliver(signedWith: "anything") == 503)
        let first = "first-secret-\(UUID().uuidString)"
        #expect(try hubsync(["secret", "set"], input: first + "\n").status == 0)
        #expect(try deliver(signedWith: first) == 200)

        let rotated = try hubsync(["secret", "rotate", "--github"])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let config = try #require(try fake.stats()["hook_config"] as? [String: Any])
        let second = try #require(config["secret"] as? String)
        #expect(second.count == 64 && second != first)
        #expect(!rotated.stdout.contains(second))  // sent to GitHub, never printed
        // GitHub signs with the new secret at once; deliveries still in flight carry the old one.
        #expect(try deliver(signedWith: second) == 200)
        #expect(try deliver(signedWith: first) == 200)
        #expect(try deliver(signedWith: "forged") == 401)

        // The old secret verified deliveries a moment ago: GitHub may still sign with it.
        let refused = try hubsync(["secret", "retire"])
        #expect(refused.status == 1 && refused.stderr.contains("verified a delivery at"), "\(refused.stderr)")
        #expect(try deliver(signedWith: first) == 200)
        #expect(try hubsync(["secret", "retire", "--force"]).status == 0)
        #expect(try eventually(7) { try deliver(signedWith: first) == 401 })
        #expect(try deliver(signedWith: second) == 200)

        let list = try jsonArrayOf(hubsync(["secret", "list", "--json"]).stdout)
        #expect(list.map { $0["state"] as? String } == ["primary", "retired"])
        #expect(list[0]["origin"] as? String == "rotate --github")
        #expect((list[0]["deliveries"] as? Int ?? 0) >= 2 && (list[1]["deliveries"] as? Int ?? 0) >= 2)
        // Neither value is in the database file, the logs or any output.
        let database = try stack.storedBytes()
        for secret in [first, second] {
            #expect(database.range(of: Data(secret.utf8)) == nil && database.range(of: Data(hex(Array(secret.utf8)).lowercased().utf8)) == nil)
            #expect(!stack.log.contains(secret))
            #expect(!(try hubsync(["secret", "list"]).stdout.contains(secret)))
        }
        #expect(try hubsync(["secret", "retire"]).stderr.contains("no previous secret"))
    }

    /// Issue 14, point 2: two `rotate --github` whose update on GitHub fails never retire the
    /// secret GitHub signs with; with a secret in the environment too, `secret list` shows it and
    /// `doctor` warns that it is still accepted.
    @Test func failedRotationsKeepTheSecretGitHubSignsWith() throws {
        let fake = try FakeGitHub()
        let keyFile = try Paths.newRunDirectory("failed-rotation-key") + "/hubsync.key"
        let environmentSecret = "environment-secret-\(UUID().uuidString)"
        let stack = try TestStack(name: "failed-rotation", secret: environmentSecret, environment: ["HUBSYNC_KEY_FILE": keyFile])
        let environment = fake.environment.merging(["HUBSYNC_DB": stack.databasePath, "HUBSYNC_KEY_FILE": keyFile, "HUBSYNC_CONFIG": "/dev/null",
                                                    "PATH": "/usr/bin:/bin", "GITHUB_WEBHOOK_SECRET": environmentSecret]) { _, new in new }
        func hubsync(_ arguments: [String], input: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
            let result = try run(Paths.program("hubsync"), arguments, environment: environment, input: input.map { Array($0.utf8) })
            return (result.status, result.stdout, result.stderr)
        }
        func deliver(signedWith secret: String) throws -> Int {
            let body = Array("{\"zen\":\"\(UUID().uuidString)\",\"hook_id\":1}".utf8)
            return try RawHTTP.send(port: stack.port, path: "/github/webhook",
                                    headers: deliveryHeaders(event: "ping", body: body, id: newDeliveryID(), secret: secret), body: body).status
        }
        let current = "current-secret-\(UUID().uuidString)"
        #expect(try hubsync(["secret", "set"], input: current).status == 0)
        #expect(try deliver(signedWith: current) == 200)  // GitHub signs with it

        try fake.setMode("error500")
        for _ in 0..<2 {
            let failed = try hubsync(["secret", "rotate", "--github"])
            #expect(failed.status == 1)
            #expect(failed.stderr.contains("GitHub still signs with the primary secret, which is unchanged"), "\(failed.stderr)")
        }
        try fake.setMode("normal")
        #expect(try deliver(signedWith: current) == 200, "the secret GitHub signs with was retired")
        let list = try jsonArrayOf(hubsync(["secret", "list", "--json"]).stdout)
        #expect(list.first { $0["state"] as? String == "primary" }?["deliveries"] as? Int == 2)
        #expect(list.contains { $0["origin"] as? String == "GITHUB_WEBHOOK_SECRET" && $0["state"] as? String == "active" })
        let doctor = try hubsync(["doctor", "--json"])
        let check = try jsonArrayOf(doctor.stdout).first { $0["check"] as? String == "webhook secret" }
        #expect(check?["status"] as? String == "warn")
        #expect((check?["detail"] as? String)?.contains("GITHUB_WEBHOOK_SECRET is still accepted") == true, "\(String(describing: check))")

        // Once GitHub takes it, the new secret is the primary and the old one stays accepted.
        #expect(try hubsync(["secret", "rotate", "--github"]).status == 0)
        let config = try #require(try fake.stats()["hook_config"] as? [String: Any])
        let second = try #require(config["secret"] as? String)
        #expect(try deliver(signedWith: second) == 200)
        #expect(try deliver(signedWith: current) == 200)
        #expect(try jsonArrayOf(hubsync(["secret", "list", "--json"]).stdout).first?["state"] as? String == "primary")
    }
}

private func jsonArrayOf(_ text: String) throws -> [[String: Any]] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
}
