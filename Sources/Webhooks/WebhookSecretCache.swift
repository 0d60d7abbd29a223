import Common

/// The secrets a delivery may be signed with: those of `GITHUB_WEBHOOK_SECRET` and the active ones
/// in the database (`hubsync secret`), each with its fingerprint so that the delivery records which
/// one matched. Read from the database at most every few seconds, and at once when a signature
/// matches none of them, so that a secret `hubsync secret rotate` just stored (and GitHub at once
/// signs with) is accepted on the first delivery, and a retired one stops within seconds.
public final class WebhookSecretCache: @unchecked Sendable {
    public struct Secret: Sendable {
        public var value: [UInt8]
        public var fingerprint: String?
    }

    /// Read again after this long, so that a retirement takes effect without a restart.
    static let freshForMicroseconds: Int64 = 5_000_000
    /// A mismatch reads the secrets again at most this often: forged signatures must not make every
    /// request wait on the lock for a database read and an unsealing each. `hubsync secret rotate
    /// --github` waits longer than this between storing a secret and giving it to GitHub, so the
    /// first delivery signed with it always finds it (README, "Webhook secrets").
    public static let mismatchReloadSpacingMicroseconds: Int64 = 1_000_000

    private let configuration: Configuration
    private let logger: Logger
    private let now: @Sendable () -> Timestamp
    private let lock = ConditionLock()
    private var secrets: [Secret] = []
    private var loadedAt: Timestamp?
    private var database: Database?
    private var warnedAboutKey = false

    public init(configuration: Configuration, logger: Logger, now: @escaping @Sendable () -> Timestamp = { .now() }) {
        self.configuration = configuration
        self.logger = logger
        self.now = now
    }

    /// The current secrets (primary first: the database's, then the environment's).
    public func current() -> [Secret] {
        lock.withLock {
            if let loadedAt, now().microsecondsSinceEpoch - loadedAt.microsecondsSinceEpoch < WebhookSecretCache.freshForMicroseconds {
                return secrets
            }
            return load()
        }
    }

    /// After a signature matched none of `current()`: the secrets read again, so that one stored a
    /// moment ago (rotation) is accepted on the very first delivery signed with it.
    public func reloadedAfterMismatch() -> [Secret] {
        lock.withLock {
            // With no secret at all every delivery is refused anyway: read at once, so the first
            // secret stored is used at once.
            if let loadedAt, !secrets.isEmpty,
               now().microsecondsSinceEpoch - loadedAt.microsecondsSinceEpoch < WebhookSecretCache.mismatchReloadSpacingMicroseconds {
                return secrets
            }
            return load()
        }
    }

    /// Called with the lock held. A database that cannot be read leaves the environment's secrets
    /// (and the last ones read) in force: a storage fault must not turn into 401s.
    private func load() -> [Secret] {
        let key = try? KeyFile.existingSecretsKey(configuration)
        var loaded: [Secret] = []
        do {
            // The key is read each time: `hubsync secret set` may have created it after this started.
            if database == nil { database = try Database(configuration: configuration) }
            for stored in try WebhookSecretStore(database: database!, key: key).active() {
                guard let value = stored.secret else {
                    if !warnedAboutKey {
                        warnedAboutKey = true
                        logger.warn("stored webhook secrets cannot be opened without the key file", [("key_file", .string(configuration.keyFilePath))])
                    }
                    continue
                }
                loaded.append(Secret(value: value, fingerprint: stored.fingerprint))
            }
        } catch {
            logger.warn("cannot read the stored webhook secrets", [("error", .string("\(error)"))])
            database = nil
            loaded = secrets.filter { stored in !configuration.webhookSecrets.contains(stored.value) }
        }
        loaded += configuration.webhookSecrets.map { value in
            Secret(value: value, fingerprint: key.map { SecretFingerprint.of(value, key: $0) })
        }
        secrets = loaded
        loadedAt = now()
        return loaded
    }
}
