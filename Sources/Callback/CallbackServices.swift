import Common

/// What the callback program's requests share, built once per process: configuration, the key
/// that seals secrets, the install-state signer, the logger and the clock. Databases and GitHub
/// clients are opened per request (callbacks are rare), which keeps requests independent and the
/// request threads free of shared mutable state.
public struct CallbackServices: Sendable {
    public let configuration: Configuration
    public let secretBox: SecretBox
    public let installState: InstallState
    public let logger: Logger
    public let now: @Sendable () -> Timestamp
    /// `GET /app`'s slug, fetched at most once an hour per process (GITHUB_APP_SLUG unset).
    let appSlug = AppSlugCache()

    public init(configuration: Configuration, logger: Logger, now: @escaping @Sendable () -> Timestamp = { .now() }) throws {
        let key = try KeyFile.loadOrCreate(path: configuration.keyFilePath)
        self.configuration = configuration
        secretBox = SecretBox(key: key)
        installState = InstallState(secretsKey: key)
        self.logger = logger
        self.now = now
    }
}
