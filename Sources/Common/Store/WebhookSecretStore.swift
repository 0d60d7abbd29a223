/// A webhook secret as the database keeps it. `secret` is there only for active ones, opened.
public struct StoredWebhookSecret: Sendable {
    public enum State: String, Sendable { case primary, previous, retired }
    public var id: Int64
    public var fingerprint: String
    public var state: State
    /// How it came: `set` (from standard input), `rotate`, `rotate --github`.
    public var origin: String
    public var createdAt: String
    public var retiredAt: String?
    public var secret: [UInt8]?
}

/// The `webhook_secrets` table: all of its SQL. Values are sealed with the key file's key, bound to
/// their fingerprint, and opened only here.
public final class WebhookSecretStore {
    public let database: Database
    private let box: SecretBox?
    private let key: [UInt8]?

    /// `key`: the key file's key; without it, only fingerprints and dates can be read.
    public init(database: Database, key: [UInt8]? = nil) {
        self.database = database
        self.key = key
        box = key.map { SecretBox(key: $0) }
    }

    /// How long a secret that verified a delivery stays "in use": retiring it within this window
    /// needs `force` (GitHub may still sign with it, and deliveries signed with a retired secret
    /// get 401, which GitHub does not retry).
    public static let inUseWindowSeconds: Int64 = 86_400

    /// Stores a new secret. As `primary` (`asPrimary`), the old primary stays valid as `previous`;
    /// otherwise it goes in as `previous`, accepted but not yet what GitHub signs with (`promote`
    /// makes it primary once GitHub has it). Either way the old `previous` is retired, unless it
    /// verified a delivery within `inUseWindowSeconds` and `force` is false: then nothing changes
    /// and `WebhookSecretError.stillInUse` says which. Returns the new fingerprint and the retired one.
    public func add(_ secret: [UInt8], origin: String, asPrimary: Bool = true, force: Bool = false,
                    now: Timestamp = .now()) throws -> (fingerprint: String, retired: String?) {
        guard let box, let key else { throw CryptoError.keyFileMissing(path: "HUBSYNC_KEY_FILE") }
        let fingerprint = SecretFingerprint.of(secret, key: key)
        let sealed = try box.seal(secret, associatedData: "webhook-secret:\(fingerprint)")
        return try database.write {
            let connection = database.connection
            let known = try connection.prepare("SELECT 1 FROM webhook_secrets WHERE fingerprint = ?")
            try known.bind([.text(fingerprint)])
            if try known.step() { throw WebhookSecretError.alreadyKnown(fingerprint) }
            let retired = try retirePreviousInTransaction(force: force, now: now)
            if asPrimary { try connection.execute("UPDATE webhook_secrets SET state = 'previous' WHERE state = 'primary'") }
            try connection.prepare("""
                INSERT INTO webhook_secrets (fingerprint, sealed, state, origin, created_at) VALUES (?, ?, ?, ?, ?)
                """).run([.text(fingerprint), .blob(sealed), .text(asPrimary ? "primary" : "previous"), .text(origin), .text(now.iso8601)])
            return (fingerprint, retired)
        }
    }

    /// Makes the `previous` secret `fingerprint` the primary, and the primary the previous (after
    /// GitHub accepted the new secret: it is what GitHub signs with from now on).
    public func promote(_ fingerprint: String) throws {
        try database.write {
            let connection = database.connection
            // Two steps, for the unique index on the primary: for a moment both are `previous`.
            try connection.prepare("UPDATE webhook_secrets SET state = 'previous' WHERE state = 'primary' AND fingerprint <> ?")
                .run([.text(fingerprint)])
            let promoted = try connection.changes(
                running: connection.prepare("UPDATE webhook_secrets SET state = 'primary' WHERE state = 'previous' AND fingerprint = ?"),
                with: [[.text(fingerprint)]])
            guard promoted == 1 else { throw WebhookSecretError.notPrevious(fingerprint) }
        }
    }

    /// Retires the `previous` secret: its value is destroyed. Returns its fingerprint, nil if none.
    /// Refused (`stillInUse`) while it verified a delivery within `inUseWindowSeconds`, unless `force`.
    public func retirePrevious(force: Bool = false, now: Timestamp = .now()) throws -> String? {
        try database.write { try retirePreviousInTransaction(force: force, now: now) }
    }

    private func retirePreviousInTransaction(force: Bool, now: Timestamp) throws -> String? {
        let connection = database.connection
        guard let fingerprint = try connection.scalarText("SELECT fingerprint FROM webhook_secrets WHERE state = 'previous'") else {
            return nil
        }
        if !force, let last = try lastVerified(fingerprint, since: now.adding(seconds: -WebhookSecretStore.inUseWindowSeconds)) {
            throw WebhookSecretError.stillInUse(fingerprint: fingerprint, lastVerifiedAt: last)
        }
        try connection.prepare("UPDATE webhook_secrets SET state = 'retired', sealed = NULL, retired_at = ? WHERE state = 'previous'")
            .run([.text(now.iso8601)])
        return fingerprint
    }

    /// When `fingerprint` last verified a delivery received since `since`, if it did (walks the
    /// deliveries of that window through `deliveries_by_received_at`, newest first).
    public func lastVerified(_ fingerprint: String, since: Timestamp) throws -> String? {
        let statement = try database.connection.prepare("""
            SELECT received_at FROM deliveries \(database.connection.indexedBy("deliveries_by_received_at"))
            WHERE received_at >= ? AND secret_fingerprint = ? ORDER BY received_at DESC LIMIT 1
            """)
        try statement.bind([.text(since.iso8601), .text(fingerprint)])
        return try statement.step() ? statement.text(0) : nil
    }

    /// The secrets deliveries may be signed with, primary first, opened (needs the key).
    public func active() throws -> [StoredWebhookSecret] {
        try all().filter { $0.state != .retired }
    }

    /// Every secret, newest first; active ones opened when the key is at hand.
    public func all() throws -> [StoredWebhookSecret] {
        let statement = try database.connection.prepare("""
            SELECT id, fingerprint, state, origin, created_at, retired_at, sealed FROM webhook_secrets ORDER BY id DESC
            """)
        var secrets: [StoredWebhookSecret] = []
        while try statement.step() {
            let fingerprint = statement.text(1) ?? ""
            var secret: [UInt8]?
            if !statement.isNull(6), let box {
                secret = try box.open(statement.blob(6), associatedData: "webhook-secret:\(fingerprint)")
            }
            secrets.append(StoredWebhookSecret(
                id: statement.int64(0), fingerprint: fingerprint, state: StoredWebhookSecret.State(rawValue: statement.text(2) ?? "") ?? .retired,
                origin: statement.text(3) ?? "", createdAt: statement.text(4) ?? "", retiredAt: statement.text(5), secret: secret))
        }
        return secrets
    }

    /// Deliveries each fingerprint verified, and the latest one's time.
    public func verifiedCounts() throws -> [String: (count: Int, last: String?)] {
        let statement = try database.connection.prepare("""
            SELECT secret_fingerprint, count(*), max(received_at) FROM deliveries WHERE secret_fingerprint IS NOT NULL
            GROUP BY secret_fingerprint
            """)
        var counts: [String: (count: Int, last: String?)] = [:]
        while try statement.step() { counts[statement.text(0) ?? ""] = (Int(statement.int64(1)), statement.text(2)) }
        return counts
    }
}

public enum WebhookSecretError: Error, CustomStringConvertible {
    case alreadyKnown(String)
    case stillInUse(fingerprint: String, lastVerifiedAt: String)
    case notPrevious(String)

    public var description: String {
        switch self {
        case .alreadyKnown(let fingerprint): "this secret is already stored (fingerprint \(fingerprint)); choose a new one"
        case .stillInUse(let fingerprint, let last):
            "the previous secret \(fingerprint) verified a delivery at \(last): GitHub may still sign with it, and retiring it would "
                + "refuse those deliveries. Wait until `hubsync secret list` shows none for a day, or add --force"
        case .notPrevious(let fingerprint): "\(fingerprint) is not the previous secret"
        }
    }
}
