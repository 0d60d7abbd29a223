import Foundation
import Testing
import TestSupport

/// After a run that uses every secret the product handles (webhook secrets from the environment and
/// stored ones, the OAuth client secret, user and refresh tokens, installation tokens), none of
/// them is in plain text in the database files, the programs' logs, nginx's logs, any page served
/// or any admin command's output (the test greps for the real values); the files that hold them are
/// private and the sockets are not world-writable.
@Suite(.serialized) struct SecretsAtRestTests {
    @Test func noSecretInTheDatabaseLogsPagesOrOutputAndPrivateFiles() throws {
        let fake = try FakeGitHub()
        let keyFile = try Paths.newRunDirectory("secrets-key") + "/hubsync.key"
        let environmentSecret = "env-webhook-secret-\(UUID().uuidString)"
        let stack = try TestStack(name: "secrets", secret: environmentSecret, environment: ["HUBSYNC_KEY_FILE": keyFile],
                                  callbackEnvironment: fake.environment.merging(["HUBSYNC_KEY_FILE": keyFile]) { _, new in new })
        let hubsyncEnvironment = fake.environment.merging(["HUBSYNC_DB": stack.databasePath, "HUBSYNC_KEY_FILE": keyFile,
                                                          "HUBSYNC_CONFIG": "/dev/null", "PATH": "/usr/bin:/bin"]) { _, new in new }
        var outputs: [String] = []
        func hubsync(_ arguments: [String], input: String? = nil) throws {
            let result = try run(Paths.program("hubsync"), arguments, environment: hubsyncEnvironment, input: input.map { Array($0.utf8) })
            outputs.append(result.stdout + result.stderr)
        }
        func deliver(_ secret: String) throws -> HTTPResult {
            let body = Array(#"{"zen":"z","hook_id":1}"#.utf8)
            return try RawHTTP.send(port: stack.port, path: "/github/webhook",
                                    headers: deliveryHeaders(event: "ping", body: body, id: newDeliveryID(), secret: secret), body: body)
        }

        var pages: [String] = []
        let storedSecret = "stored-webhook-secret-\(UUID().uuidString)"
        try hubsync(["secret", "set"], input: storedSecret)
        try hubsync(["secret", "rotate", "--github"])
        let rotatedSecret = try #require((try fake.stats()["hook_config"] as? [String: Any])?["secret"] as? String)
        for secret in [environmentSecret, storedSecret, rotatedSecret, "forged"] { pages.append(try deliver(secret).text) }
        pages.append(try RawHTTP.send(port: stack.port, method: "GET", path: "/github/install").text)
        pages.append(try RawHTTP.send(port: stack.port, method: "GET",
                                      path: "/github/auth/callback?code=code-octocat-1&installation_id=1&setup_action=install").text)
        pages.append(try RawHTTP.send(port: stack.port, method: "GET",
                                      path: "/github/auth/callback?code=code-octocat-1&installation_id=1&setup_action=install").text)  // a used code
        try hubsync(["backfill", "1", "--per-page", "2"])
        for arguments in [["secret", "list"], ["integrations", "show", "1"], ["events", "list"], ["events", "show", "1"], ["stats"],
                          ["doctor", "--online"], ["backup", stack.directory + "/backup.db"]] {
            try hubsync(arguments)
        }

        let secrets = try fake.issuedTokens() + [FakeGitHub.clientSecret, environmentSecret, storedSecret, rotatedSecret]
        #expect(secrets.count >= 6)  // user token, refresh token, installation token(s), and the four secrets
        var files: [(String, [UInt8])] = []
        let names = try FileManager.default.contentsOfDirectory(atPath: stack.directory)
        for name in names where !name.hasSuffix(".sock") {
            let path = stack.directory + "/" + name
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append((name, Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
            }
        }
        if stack.usesPostgreSQL {
            // The store is on the server: every row of it, as text (bytea in hex, searched too).
            let stored = Array(try stack.storedBytes())
            files.append(("the PostgreSQL store", stored))
        }
        #expect(files.contains { $0.0 == (stack.usesPostgreSQL ? "the PostgreSQL store" : "hubsync.db") }
                && files.contains { $0.0 == "backup.db" } && files.contains { $0.0 == "webhook-fcgi.log" } && files.contains { $0.0 == "callback-fcgi.log" })
        for secret in secrets {
            let hexOfSecret = Array(hex(Array(secret.utf8)).lowercased().utf8)
            for (name, bytes) in files {
                #expect(bytes.firstRange(of: Array(secret.utf8)) == nil && bytes.firstRange(of: hexOfSecret) == nil, "\(name) holds a secret in plain text")
            }
            for page in pages { #expect(!page.contains(secret)) }
            for output in outputs { #expect(!output.contains(secret)) }
        }
        // Private files and sockets.
        func mode(_ path: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int) ?? -1 }
        let databaseFiles = stack.usesPostgreSQL ? [] : [stack.databasePath, stack.databasePath + "-wal", stack.databasePath + "-shm"]
        for path in databaseFiles + [keyFile, stack.directory + "/backup.db"] {
            #expect(mode(path) == 0o600, "\(path): \(String(mode(path), radix: 8))")
        }
        for socket in [stack.socketPath, stack.directory + "/callback.sock"] {
            #expect(mode(socket) & 0o002 == 0, "\(socket) is world-writable")
        }
    }
}
