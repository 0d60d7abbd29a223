import Common

/// Installation and user access tokens, kept sealed in the database and refreshed when needed
/// (docs/github-protocol.md, sections 8 and 10). The one call handlers and the command line share.
///
/// Refreshing is safe across processes and hosts: it happens under a lock of its own (a `flock`
/// beside a SQLite database, an advisory lock on PostgreSQL: `Database.withNamedLock`), and the
/// stored token is read again once the lock is held, so two processes that need a fresh token at
/// the same moment cause one call to GitHub. (A separate lock rather than a write
/// transaction held across the HTTP call, which would stall webhook intake for as long as GitHub
/// takes to answer.)
public final class TokenService {
    /// Installation tokens live one hour; reuse one until 5 minutes before it expires.
    public static let minimumInstallationTokenLifetimeSeconds: Int64 = 300
    /// A user token within a minute of expiring is refreshed before use.
    public static let minimumUserTokenLifetimeSeconds: Int64 = 60

    private let configuration: Configuration
    private let client: GitHubClient
    private let tokens: TokenStore
    private let box: SecretBox
    private let database: Database
    private let now: () -> Timestamp

    public init(configuration: Configuration, client: GitHubClient, database: Database, box: SecretBox,
                now: @escaping () -> Timestamp = { .now() }) throws {
        self.configuration = configuration
        self.client = client
        tokens = TokenStore(database: database)
        self.box = box
        self.database = database
        self.now = now
    }

    /// A valid installation token with at least `minimumLifetimeSeconds` (and never less than five
    /// minutes) of life left: the stored one when it qualifies, else a new one from
    /// `POST /app/installations/{id}/access_tokens` with the App JWT.
    public func installationToken(for installationID: Int64, minimumLifetimeSeconds: Int64 = 0) throws -> (token: String, expiresAt: Timestamp) {
        let margin = max(minimumLifetimeSeconds, TokenService.minimumInstallationTokenLifetimeSeconds)
        return try database.withNamedLock("tokens") {
            // A stored token that does not open (sealed under another token key) is fetched again.
            if let stored = try tokens.token(kind: .installation, ownerID: installationID),
               let expiresAt = stored.expiresAt.flatMap({ Timestamp(iso8601: $0) }),
               expiresAt.secondsSinceEpoch - now().secondsSinceEpoch >= margin,
               let token = try? open(stored.sealedToken, "installation-token:\(installationID)") {
                return (token, expiresAt)
            }
            let jwt = try AppJWT.make(configuration: configuration, now: now())
            let response = try client.rest("POST", "/app/installations/\(installationID)/access_tokens", credential: .bearer(jwt))
            guard let json = response.json, let token = json["token"]?.stringValue, !token.isEmpty,
                  let expiresAt = json["expires_at"]?.stringValue.flatMap({ Timestamp(iso8601: $0) })
            else { throw GitHubError.invalidResponse("an installation token answer without token or expires_at") }
            try tokens.save(SealedToken(
                kind: .installation, ownerID: installationID,
                sealedToken: try box.seal(Array(token.utf8), associatedData: "installation-token:\(installationID)"),
                expiresAt: expiresAt.iso8601, sealedRefreshToken: nil, refreshExpiresAt: nil, updatedAt: now().iso8601))
            return (token, expiresAt)
        }
    }

    /// Stores the user token of an OAuth answer (sealed), with its refresh token when GitHub gave one.
    public func saveUserToken(_ grant: UserTokenGrant, userID: Int64) throws {
        let issuedAt = now()
        try tokens.save(SealedToken(
            kind: .user, ownerID: userID,
            sealedToken: try box.seal(Array(grant.accessToken.utf8), associatedData: "user-token:\(userID)"),
            expiresAt: grant.expiresInSeconds.map { issuedAt.adding(seconds: $0).iso8601 },
            sealedRefreshToken: try grant.refreshToken.map { try box.seal(Array($0.utf8), associatedData: "user-refresh-token:\(userID)") },
            refreshExpiresAt: grant.refreshTokenExpiresInSeconds.map { issuedAt.adding(seconds: $0).iso8601 },
            updatedAt: issuedAt.iso8601))
    }

    /// A valid user token for `userID`, refreshed with its refresh token when it has expired.
    /// Refresh tokens rotate on use (docs/github-protocol.md, section 10): the new pair replaces the old one in
    /// the same write, under the refresh lock, so no second refresh can use a spent token.
    public func userToken(for userID: Int64) throws -> String {
        try database.withNamedLock("tokens") {
            guard let stored = try tokens.token(kind: .user, ownerID: userID) else { throw TokenError.userMustSignIn }
            let expiresAt = stored.expiresAt.flatMap { Timestamp(iso8601: $0) }
            if expiresAt == nil || expiresAt!.secondsSinceEpoch - now().secondsSinceEpoch >= TokenService.minimumUserTokenLifetimeSeconds {
                return try open(stored.sealedToken, "user-token:\(userID)")
            }
            guard let sealedRefresh = stored.sealedRefreshToken,
                  stored.refreshExpiresAt.flatMap({ Timestamp(iso8601: $0) }).map({ now() < $0 }) ?? true
            else { throw TokenError.userMustSignIn }
            let refreshToken = try open(sealedRefresh, "user-refresh-token:\(userID)")
            let grant = try UserTokenGrant.request(client: client, configuration: configuration, form: [
                ("grant_type", "refresh_token"), ("refresh_token", refreshToken),
            ])
            try saveUserToken(grant, userID: userID)
            return grant.accessToken
        }
    }

    private func open(_ sealed: [UInt8], _ place: String) throws -> String {
        String(decoding: try box.open(sealed, associatedData: place), as: UTF8.self)
    }
}

public enum TokenError: Error, Equatable, CustomStringConvertible {
    /// No user token, or its refresh token expired or was revoked: the user must sign in again.
    case userMustSignIn
    /// GitHub refused the OAuth request; `code` is GitHub's error code (`bad_verification_code`, ...).
    case oauth(code: String)

    public var description: String {
        switch self {
        case .userMustSignIn: "the user must sign in to GitHub again"
        case .oauth(let code): "GitHub refused the authorization: \(code)"
        }
    }
}

/// An answer of `POST /login/oauth/access_token` that holds a token.
public struct UserTokenGrant: Sendable {
    public var accessToken: String
    public var expiresInSeconds: Int64?
    public var refreshToken: String?
    public var refreshTokenExpiresInSeconds: Int64?

    /// Exchanges a code (web application flow) or a refresh token. GitHub answers errors with HTTP
    /// 200 and `{"error": ...}` (docs/github-protocol.md, section 10), so success is the presence of `access_token`.
    public static func request(client: GitHubClient, configuration: Configuration, form: [(String, String)]) throws -> UserTokenGrant {
        let (clientID, clientSecret) = try oauthClient(configuration)
        let response = try client.oauthAccessToken(form: [("client_id", clientID), ("client_secret", clientSecret)] + form)
        guard let json = response.json else { throw GitHubError.invalidResponse("the token answer is not JSON") }
        guard let token = json["access_token"]?.stringValue, !token.isEmpty else {
            throw TokenError.oauth(code: json["error"]?.stringValue ?? "no access_token")
        }
        return UserTokenGrant(accessToken: token, expiresInSeconds: json["expires_in"]?.int64Value,
                              refreshToken: json["refresh_token"]?.stringValue,
                              refreshTokenExpiresInSeconds: json["refresh_token_expires_in"]?.int64Value)
    }

    /// Revokes the token, and with it its refresh token (`DELETE /applications/{client_id}/token`,
    /// Basic authentication with the OAuth client's id and secret). The callback needs a user's
    /// token for one check; a token kept is a token that can leak.
    public func revoke(client: GitHubClient, configuration: Configuration) throws {
        let (clientID, clientSecret) = try oauthClient(configuration)
        _ = try client.rest("DELETE", "/applications/\(clientID)/token", credential: .basic(user: clientID, password: clientSecret),
                            json: ["access_token": .string(accessToken)])
    }
}

/// The App's OAuth client id and secret, or a configuration error naming what is missing.
private func oauthClient(_ configuration: Configuration) throws -> (id: String, secret: String) {
    guard let clientID = configuration.appClientID, let clientSecret = try configuration.clientSecret() else {
        throw GitHubError.configuration("set GITHUB_APP_CLIENT_ID and GITHUB_APP_CLIENT_SECRET_PATH (or GITHUB_APP_CLIENT_SECRET)")
    }
    return (clientID, clientSecret)
}
