import Common

/// What the callback program's requests share, built once per process: configuration, the token
/// key's box (it seals installation tokens), the install-state signer, the logger and the clock. Databases and GitHub
/// clients are opened per request (callbacks are rare), which keeps requests independent and the
/// request threads free of shared mutable state.
public struct CallbackServices: Sendable {
    public let configuration: Configuration
    public let tokenBox: SecretBox
    public let installState: BrowserState
    /// The console's sign-in state and session (issue 17).
    public let signInState: BrowserState
    public let adminSession: AdminSession
    public let logger: Logger
    public let now: @Sendable () -> Timestamp
    /// `GET /app`'s slug, fetched at most once an hour per process (GITHUB_APP_SLUG unset).
    let appSlug = AppSlugCache()

    public init(configuration: Configuration, logger: Logger, now: @escaping @Sendable () -> Timestamp = { .now() }) throws {
        // The token key, never the secrets key that webhook-fcgi can read: whoever can sign install
        // state can claim an installation, and whoever can open the tokens can act for it.
        let key = try KeyFile.tokenKey(configuration)
        self.configuration = configuration
        tokenBox = SecretBox(key: key)
        installState = BrowserState(tokenKey: key, purpose: .install)
        signInState = BrowserState(tokenKey: key, purpose: .signIn)
        adminSession = AdminSession(tokenKey: key)
        self.logger = logger
        self.now = now
    }
}
