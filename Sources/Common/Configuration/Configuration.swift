import Glibc

/// How SQLite syncs a commit. `full` makes every acknowledged delivery survive power loss;
/// `normal` in WAL mode may lose the last commits on power loss (never on a process crash).
public enum SyncMode: String, Sendable {
    case full, normal
}

/// Everything the programs read from their environment, validated once at start and then passed
/// down as a value (docs/code-style.md, rule 6). Variables come from the process environment, which
/// overrides the env-style file named by `HUBSYNC_CONFIG` (default `/etc/pulser-hub-sync/hubsync.env`).
/// The `GITHUB_APP_*` names are those of the original Odoo module.
public struct Configuration: Sendable {
    public static let defaultConfigPath = "/etc/pulser-hub-sync/hubsync.env"
    public static let defaultDatabasePath = "/var/lib/pulser-hub-sync/hubsync.db"
    public static let defaultKeyFilePath = "/var/lib/pulser-hub-sync/hubsync.key"
    /// GitHub never sends more than 25 MB (docs/github-protocol.md, section 3).
    public static let defaultMaxBodyBytes = 25 * 1024 * 1024
    /// Measured (`make bench`, 2 cores): 16 threads in one process gave the most durable deliveries
    /// per second; 32 gave no more and double the memory that simultaneous 25 MiB bodies can take.
    public static let defaultRequestThreads = 16
    public static let defaultMaxBatchSize = 64

    /// The environment's webhook secrets, current first; any one may match (rotation).
    public var webhookSecrets: [[UInt8]]
    /// The variable each of `webhookSecrets` came from, for messages.
    public var webhookSecretVariables: [String]
    /// One secret each, byte for byte: a comma, a space or a quote is part of a secret.
    public static let webhookSecretVariableNames = ["GITHUB_WEBHOOK_SECRET", "GITHUB_WEBHOOK_SECRET_PREVIOUS"]
    /// HUBSYNC_DB as given: a SQLite file's path or a PostgreSQL URI (see `databaseLocation`).
    public var databasePath: String
    /// HUBSYNC_DB_SCHEMA: PostgreSQL's schema for the store's tables.
    public var databaseSchema = DatabaseLocation.defaultSchema
    public var maxBodyBytes: Int
    public var syncMode: SyncMode
    public var logLevel: LogLevel
    public var busyTimeoutMilliseconds: Int
    /// Request threads per worker process: requests in flight that can share one commit.
    public var requestThreads: Int
    /// Most writes committed in one transaction.
    public var maxBatchSize: Int
    public var appID: String?
    public var appClientID: String?
    public var appPrivateKeyPath: String?
    /// GITHUB_APP_CLIENT_SECRET, when given as a value. Prefer `appClientSecretPath`: hubsync.env is
    /// read by webhook-fcgi too, which has no use for the client secret. Read it with `clientSecret()`.
    public var appClientSecret: String?
    /// GITHUB_APP_CLIENT_SECRET_PATH: a file holding the client secret, readable by the service
    /// user only; read when the secret is needed, so webhook-fcgi never tries.
    public var appClientSecretPath: String?
    /// The App's URL name (github.com/apps/SLUG), for the install link; read from `GET /app` when unset.
    public var appSlug: String?
    /// REST base: `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server.
    public var gitHubAPIURL: String
    /// Web and OAuth base: `https://github.com` or `https://HOST`.
    public var gitHubURL: String
    public var gitHubConnectTimeoutMilliseconds: Int
    public var gitHubTimeoutMilliseconds: Int
    /// The 32-byte key that seals webhook secrets in the database (created 0600 when absent; 0640
    /// lets webhook-fcgi, running as another user of the group, read it).
    public var keyFilePath: String
    /// The 32-byte key that seals installation tokens and signs install state (0600 only). Kept apart
    /// from `keyFilePath` so that webhook-fcgi, which never needs it, cannot read it: a compromised
    /// receiver must not be able to open the tokens the database holds.
    public var tokenKeyFilePath: String
    /// When handlers run again after a failure or a crash, and when they stop.
    public var retryPolicy: HandlerRetryPolicy
    /// Where the admin's `NAME.action` files are (HUBSYNC_ACTIONS_DIR).
    public var actionsDirectory: String
    public static let defaultActionsDirectory = "/etc/pulser-hub-sync/actions.d"
    /// The GitHub logins let into the console (HUBSYNC_ADMINS, comma-separated), lower-cased:
    /// GitHub's logins are case-insensitive. Empty: nobody (the console says how to fix it).
    public var admins: Set<String> = []
    /// Organization teams whose active members may enter the console too (HUBSYNC_ADMIN_TEAMS,
    /// `org/team-slug` separated by commas), lower-cased; membership is checked through GitHub's
    /// API at sign-in, which needs the App's "Members" organization permission (read).
    public var adminTeams: [String] = []
    /// The site's public origin (HUBSYNC_PUBLIC_URL, e.g. `https://hooks.example.com`), for the
    /// console's OAuth callback URL; nil: from the request (scheme, Host, server port).
    public var publicURL: String?

    public init(
        webhookSecrets: [[UInt8]] = [], databasePath: String, maxBodyBytes: Int = defaultMaxBodyBytes,
        syncMode: SyncMode = .full, logLevel: LogLevel = .info, busyTimeoutMilliseconds: Int = 5000,
        requestThreads: Int = Configuration.defaultRequestThreads, maxBatchSize: Int = Configuration.defaultMaxBatchSize,
        appID: String? = nil, appClientID: String? = nil, appPrivateKeyPath: String? = nil,
        appClientSecret: String? = nil, appSlug: String? = nil, gitHubAPIURL: String = "https://api.github.com",
        gitHubURL: String = "https://github.com", keyFilePath: String = Configuration.defaultKeyFilePath,
        tokenKeyFilePath: String? = nil
    ) {
        self.webhookSecrets = webhookSecrets
        self.webhookSecretVariables = webhookSecrets.indices.map { Configuration.webhookSecretVariableNames[min($0, 1)] }
        self.databasePath = databasePath
        self.maxBodyBytes = maxBodyBytes
        self.syncMode = syncMode
        self.logLevel = logLevel
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.requestThreads = requestThreads
        self.maxBatchSize = maxBatchSize
        self.appID = appID
        self.appClientID = appClientID
        self.appPrivateKeyPath = appPrivateKeyPath
        self.appClientSecret = appClientSecret
        self.appSlug = appSlug
        self.gitHubAPIURL = gitHubAPIURL
        self.gitHubURL = gitHubURL
        self.gitHubConnectTimeoutMilliseconds = 5000
        self.gitHubTimeoutMilliseconds = 20000
        self.keyFilePath = keyFilePath
        self.tokenKeyFilePath = tokenKeyFilePath ?? Configuration.tokenKeyFilePath(besideKeyFile: keyFilePath)
        self.retryPolicy = HandlerRetryPolicy()
        self.actionsDirectory = Configuration.defaultActionsDirectory
    }

    /// Reads the file named by `HUBSYNC_CONFIG` (required if set, optional at its default path),
    /// overlays `environment`, and validates every value.
    public static func load(environment: [String: String]) throws(ConfigurationError) -> Configuration {
        var merged: [String: String] = [:]
        if let path = environment["HUBSYNC_CONFIG"], !path.isEmpty {
            merged = try EnvFile.load(path: path, isRequired: true) ?? [:]
        } else {
            merged = try EnvFile.load(path: defaultConfigPath, isRequired: false) ?? [:]
        }
        merged.merge(environment, uniquingKeysWith: { _, fromEnvironment in fromEnvironment })
        return try Configuration(variables: merged)
    }

    public init(variables: [String: String]) throws(ConfigurationError) {
        func value(_ name: String) -> String? {
            guard let text = variables[name]?.trimmingSpaces(), !text.isEmpty else { return nil }
            return text
        }
        // Exactly one secret per variable, taken byte for byte. (Splitting on commas once made
        // `strong,x` accept deliveries signed with `x`.) The previous secret, still accepted while
        // GitHub switches, has a variable of its own.
        let secrets = Configuration.webhookSecretVariableNames.compactMap { name in
            variables[name].flatMap { $0.isEmpty ? nil : (name, Array($0.utf8)) }
        }
        webhookSecrets = secrets.map(\.1)
        webhookSecretVariables = secrets.map(\.0)
        databasePath = value("HUBSYNC_DB") ?? Configuration.defaultDatabasePath
        databaseSchema = value("HUBSYNC_DB_SCHEMA") ?? DatabaseLocation.defaultSchema
        _ = try DatabaseLocation.parse(databasePath, schema: databaseSchema)  // refused here, by name, rather than at first use
        maxBodyBytes = Configuration.defaultMaxBodyBytes
        if let text = value("HUBSYNC_MAX_BODY") {
            guard let bytes = parseByteCount(text), bytes > 0 else {
                throw .invalidValue(variable: "HUBSYNC_MAX_BODY", expected: "a positive size in bytes such as 26214400 or 25M (got \"\(text)\")")
            }
            maxBodyBytes = bytes
        }
        syncMode = .full
        if let text = value("HUBSYNC_SYNC") {
            guard let mode = SyncMode(rawValue: text.lowercased()) else {
                throw .invalidValue(variable: "HUBSYNC_SYNC", expected: "full or normal (got \"\(text)\")")
            }
            syncMode = mode
        }
        logLevel = .info
        if let text = value("HUBSYNC_LOG_LEVEL") {
            guard let level = LogLevel(name: text) else {
                throw .invalidValue(variable: "HUBSYNC_LOG_LEVEL", expected: "debug, info, warn or error (got \"\(text)\")")
            }
            logLevel = level
        }
        busyTimeoutMilliseconds = 5000
        if let text = value("HUBSYNC_BUSY_TIMEOUT_MS") {
            guard let milliseconds = Int(text), milliseconds >= 0, milliseconds <= 60_000 else {
                throw .invalidValue(variable: "HUBSYNC_BUSY_TIMEOUT_MS", expected: "milliseconds from 0 to 60000 (got \"\(text)\")")
            }
            busyTimeoutMilliseconds = milliseconds
        }
        requestThreads = Configuration.defaultRequestThreads
        if let text = value("HUBSYNC_THREADS") {
            guard let count = Int(text), count >= 1, count <= 256 else {
                throw .invalidValue(variable: "HUBSYNC_THREADS", expected: "a number of threads from 1 to 256 (got \"\(text)\")")
            }
            requestThreads = count
        }
        maxBatchSize = Configuration.defaultMaxBatchSize
        if let text = value("HUBSYNC_BATCH_MAX") {
            guard let count = Int(text), count >= 1, count <= 10_000 else {
                throw .invalidValue(variable: "HUBSYNC_BATCH_MAX", expected: "a number of writes from 1 to 10000 (got \"\(text)\")")
            }
            maxBatchSize = count
        }
        appID = value("GITHUB_APP_ID")
        if let appID, Int64(appID) == nil || Int64(appID)! <= 0 {
            throw .invalidValue(variable: "GITHUB_APP_ID", expected: "the App's numeric id (got \"\(appID)\")")
        }
        appClientID = value("GITHUB_APP_CLIENT_ID")
        appPrivateKeyPath = value("GITHUB_APP_PEM_PATH")
        appClientSecret = value("GITHUB_APP_CLIENT_SECRET")
        appClientSecretPath = value("GITHUB_APP_CLIENT_SECRET_PATH")
        if appClientSecret != nil && appClientSecretPath != nil {
            throw .invalidValue(variable: "GITHUB_APP_CLIENT_SECRET_PATH",
                                expected: "either GITHUB_APP_CLIENT_SECRET or GITHUB_APP_CLIENT_SECRET_PATH, not both")
        }
        appSlug = value("GITHUB_APP_SLUG")
        if let slug = appSlug, !slug.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }) {
            throw .invalidValue(variable: "GITHUB_APP_SLUG", expected: "the App's URL name: lower-case letters, digits and - (got \"\(slug)\")")
        }
        gitHubAPIURL = try baseURL(value("GITHUB_API_URL") ?? "https://api.github.com", variable: "GITHUB_API_URL")
        gitHubURL = try baseURL(value("GITHUB_URL") ?? "https://github.com", variable: "GITHUB_URL")
        gitHubConnectTimeoutMilliseconds = 5000
        gitHubTimeoutMilliseconds = 20000
        if let text = value("HUBSYNC_GITHUB_TIMEOUT_MS") {
            guard let milliseconds = Int(text), milliseconds >= 100, milliseconds <= 120_000 else {
                throw .invalidValue(variable: "HUBSYNC_GITHUB_TIMEOUT_MS", expected: "milliseconds from 100 to 120000 (got \"\(text)\")")
            }
            gitHubTimeoutMilliseconds = milliseconds
            gitHubConnectTimeoutMilliseconds = min(5000, milliseconds)
        }
        keyFilePath = value("HUBSYNC_KEY_FILE") ?? Configuration.defaultKeyFilePath
        tokenKeyFilePath = value("HUBSYNC_TOKEN_KEY_FILE") ?? Configuration.tokenKeyFilePath(besideKeyFile: keyFilePath)
        retryPolicy = try HandlerRetryPolicy(variables: value)
        actionsDirectory = value("HUBSYNC_ACTIONS_DIR") ?? Configuration.defaultActionsDirectory
        if let text = value("HUBSYNC_PUBLIC_URL") { publicURL = try baseURL(text, variable: "HUBSYNC_PUBLIC_URL") }
        if let text = value("HUBSYNC_ADMINS") {
            let logins = text.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
            if let bad = logins.first(where: { !Configuration.isGitHubLogin($0) }) {
                throw .invalidValue(variable: "HUBSYNC_ADMINS", expected: "GitHub logins separated by commas (got \"\(bad)\")")
            }
            admins = Set(logins.map { $0.lowercased() })
        }
        if let text = value("HUBSYNC_ADMIN_TEAMS") {
            let teams = text.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
            if let bad = teams.first(where: { !Configuration.isTeam($0) }) {
                throw .invalidValue(variable: "HUBSYNC_ADMIN_TEAMS", expected: "organization/team-slug pairs separated by commas (got \"\(bad)\")")
            }
            adminTeams = teams.map { $0.lowercased() }
        }
    }

    /// `org/team-slug`: an organization's login, then a team's slug (letters, digits, `-`, `_`;
    /// at most 100 characters), as GitHub's team URLs name them.
    public static func isTeam(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, isGitHubLogin(String(parts[0])), (1...100).contains(parts[1].utf8.count) else { return false }
        return parts[1].utf8.allSatisfy { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A || $0 >= 0x30 && $0 <= 0x39 || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    /// Letters, digits and single inner hyphens, at most 39 characters (GitHub's rule for logins).
    public static func isGitHubLogin(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...39).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A || $0 >= 0x30 && $0 <= 0x39 || $0 == UInt8(ascii: "-") }
    }
}

extension Configuration {
    /// `tokens.key` in the directory of the secrets key (by default /var/lib/pulser-hub-sync).
    static func tokenKeyFilePath(besideKeyFile keyFilePath: String) -> String {
        guard let slash = keyFilePath.lastIndex(of: "/") else { return "tokens.key" }
        return String(keyFilePath[...slash]) + "tokens.key"
    }

    /// The OAuth client secret, from GITHUB_APP_CLIENT_SECRET_PATH's file (its first line) or
    /// GITHUB_APP_CLIENT_SECRET; nil when neither is set.
    public func clientSecret() throws(ConfigurationError) -> String? {
        guard let path = appClientSecretPath else { return appClientSecret }
        let bytes: [UInt8]
        do {
            bytes = try readSmallFile(path, limit: 4096)
        } catch {
            throw .invalidValue(variable: "GITHUB_APP_CLIENT_SECRET_PATH", expected: "a file this user can read (\(path): \(error.reason))")
        }
        let secret = String(decoding: bytes.prefix { $0 != 10 && $0 != 13 }, as: UTF8.self).trimmingSpaces()
        guard !secret.isEmpty, secret.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw .invalidValue(variable: "GITHUB_APP_CLIENT_SECRET_PATH", expected: "a file holding the client secret on its first line (\(path))")
        }
        return secret
    }
}

/// A base URL without a trailing slash. TLS is required, except plain `http://` to a loopback
/// address, which only a local test server (the tests' fake GitHub) can be.
func baseURL(_ text: String, variable: String) throws(ConfigurationError) -> String {
    var url = text
    while url.hasSuffix("/") { url.removeLast() }
    // Parsed, not matched as text: `http://127.0.0.1@evil.example` is a plain-http URL to evil.example.
    guard let origin = URLOrigin(url), !url.contains("?"), !url.contains("#") else {
        throw .invalidValue(variable: variable, expected: "an https:// URL with a host and no user name, query or fragment (got \"\(text)\")")
    }
    if origin.scheme == "https" || origin.isLoopback { return url }
    throw .invalidValue(variable: variable, expected: "an https:// URL (plain http:// is allowed only to a loopback address; got \"\(text)\")")
}

/// `26214400`, `25M`, `25MiB`, `512k`: binary multiples, as nginx's `client_max_body_size` reads them.
func parseByteCount(_ text: String) -> Int? {
    var digits = Substring(text)
    var multiplier = 1
    let lower = text.lowercased()
    for (suffix, factor) in [("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30)]
    where lower.hasSuffix(suffix) {
        digits = digits.dropLast(suffix.count)
        multiplier = factor
        break
    }
    guard let number = Int(digits), number >= 0 else { return nil }
    let (product, overflow) = number.multipliedReportingOverflow(by: multiplier)
    return overflow ? nil : product
}

/// The process environment as a dictionary, read once in `main` and passed down.
public func currentEnvironment() -> [String: String] {
    keyValueBlock(environ)
}

/// A NULL-terminated array of `KEY=VALUE` C strings (the environment, FastCGI parameters). Works on
/// bytes (strlen, memchr): a FastCGI request carries about 30 of them, and the character-level
/// version was a noticeable share of a request's CPU time.
public func keyValueBlock(_ entries: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> [String: String] {
    var result: [String: String] = [:]
    result.reserveCapacity(40)
    var pointer = entries
    while let entry = pointer.pointee {
        let length = strlen(entry)
        entry.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
            guard let equals = memchr(bytes, Int32(UInt8(ascii: "=")), length) else { return }
            let keyLength = bytes.distance(to: equals.assumingMemoryBound(to: UInt8.self))
            let key = String(decoding: UnsafeBufferPointer(start: bytes, count: keyLength), as: UTF8.self)
            result[key] = String(decoding: UnsafeBufferPointer(start: bytes + keyLength + 1, count: length - keyLength - 1),
                                 as: UTF8.self)
        }
        pointer += 1
    }
    return result
}

extension Configuration {
    /// Where the store lives: the SQLite file or the PostgreSQL server and schema (checked when the
    /// configuration was read from the environment).
    public var databaseLocation: DatabaseLocation {
        (try? DatabaseLocation.parse(databasePath, schema: databaseSchema)) ?? .sqlite(path: databasePath)
    }
}
