import Foundation

/// The tests' fake GitHub (Tests/FakeGitHub/fake_github.py) on a free loopback port, with a fresh
/// App key. What it was sent is checked by the fake itself (JWT signature with the App's public
/// key, iss, iat/exp, client secret, headers) and kept in its log.
public final class FakeGitHub {
    public static let clientID = "Iv1.ab1112223334445c"
    public static let clientSecret = "fake-client-secret-" + UUID().uuidString
    public let directory: TemporaryDirectory
    public let pemPath: String
    private let fake: PythonFake
    public var port: UInt16 { fake.port }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public init(tokenLifetimeSeconds: Int = 3600) throws {
        directory = try TemporaryDirectory()
        pemPath = directory.path + "/app.pem"
        guard try runProcess("/usr/bin/openssl", ["genrsa", "-traditional", "-out", pemPath, "2048"]).status == 0 else {
            throw FileError(description: "openssl genrsa failed")
        }
        chmod(pemPath, 0o600)
        fake = try PythonFake(script: "FakeGitHub/fake_github.py",
                              arguments: ["--port", "0", "--pem", pemPath, "--issuer", FakeGitHub.clientID, "--client-id", FakeGitHub.clientID,
                                          "--client-secret", FakeGitHub.clientSecret,
                                          "--fixtures", PythonFake.repository + "/Tests/FakeGitHub/fixtures.json",
                                          "--token-lifetime", String(tokenLifetimeSeconds)],
                              name: "the fake GitHub")
    }

    /// The environment that points our programs at this fake.
    public var environment: [String: String] {
        ["GITHUB_URL": baseURL, "GITHUB_API_URL": baseURL, "GITHUB_APP_CLIENT_ID": FakeGitHub.clientID,
         "GITHUB_APP_CLIENT_SECRET": FakeGitHub.clientSecret, "GITHUB_APP_PEM_PATH": pemPath, "GITHUB_APP_ID": "4242"]
    }

    /// The fake's own control endpoints, read with the curl command (FoundationNetworking's
    /// synchronous calls hung inside the test runner).
    public func get(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(with: curl([baseURL + path]))
    }

    private func curl(_ arguments: [String]) throws -> Data {
        let result = try runProcess("/usr/bin/curl", ["-sS", "--max-time", "10"] + arguments)
        guard result.status == 0 else { throw FileError(description: "curl \(arguments) failed") }
        return Data(result.output)
    }

    /// The requests the fake received: method, path, what it checked, outcome.
    public func log() throws -> [[String: Any]] { try get("/_log") as? [[String: Any]] ?? [] }
    public func stats() throws -> [String: Any] { try get("/_stats") as? [String: Any] ?? [:] }
    public func issuedTokens() throws -> [String] { try get("/_tokens") as? [String] ?? [] }

    /// `normal`, `error500` (every call answers 502) or `ratelimit` (403 with x-ratelimit-remaining: 0).
    public func setMode(_ mode: String) throws {
        try control(["mode": mode])
    }

    /// Switches the fake's behaviour: `mode` (as above, plus `secondary`: 403 naming a secondary
    /// limit with `retry-after`), `after` (requests answered normally first), `count` (requests in
    /// the mode before it returns to normal), `reset_in` and `retry_after` (seconds), or
    /// `uninstall` (an installation id that disappears, as after an uninstall on GitHub).
    public func control(_ settings: [String: Any]) throws {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: settings), as: UTF8.self)
        _ = try curl(["-X", "POST", "--data", body, baseURL + "/_control"])
    }
}
