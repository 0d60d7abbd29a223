import Common

/// The console's session (issue 17): a cookie holding the admin's GitHub login and an expiry,
/// signed with HMAC-SHA256 under a key derived from the token key file. Nothing is stored on the
/// server, so any worker serves any request; signing out is the cookie's expiry (or a new token
/// key, which ends every session at once).
///
/// The cookie is `__Host-` prefixed (the browser keeps it only if Secure, Path=/ and without
/// Domain), HttpOnly and SameSite=Strict. Each state-changing form carries a CSRF token derived
/// from the session (another key), compared in constant time.
public struct AdminSession: Sendable {
    public static let cookieName = "__Host-hubsync_admin"
    public static let lifetimeSeconds: Int64 = 8 * 3_600
    /// GitHub logins are at most 39 characters; a longer one is no login.
    static let maximumLoginBytes = 39
    /// An organization's login, a slash and a slug of at most 100 characters.
    static let maximumTeamBytes = 140
    private let sessionKey: [UInt8]
    private let csrfKey: [UInt8]

    public init(tokenKey: [UInt8]) {
        sessionKey = HMACSHA256.authenticationCode(key: tokenKey, message: Array("pulser-hub-sync admin session v1".utf8))
        csrfKey = HMACSHA256.authenticationCode(key: tokenKey, message: Array("pulser-hub-sync admin csrf v1".utf8))
    }

    /// A signed-in admin, as a verified cookie says.
    public struct Admin: Sendable, Equatable {
        public var login: String
        /// The HUBSYNC_ADMIN_TEAMS team that let this login in (its membership was checked at
        /// sign-in); nil when HUBSYNC_ADMINS names it.
        public var team: String?
        public var expiresAt: Int64
        /// The value the console's forms must send back (`csrf`).
        public var csrfToken: String
    }

    public enum Rejection: Error, Equatable {
        case missing, malformed, forged, expired
    }

    /// The cookie value for `login` (let in by `team`, if so), valid for `lifetimeSeconds` from `now`.
    public func issue(login: String, team: String? = nil, now: Timestamp) -> String {
        let expiresAt = now.secondsSinceEpoch + AdminSession.lifetimeSeconds
        // Expiry, login, then a newline and the team (neither a login nor a slug holds a newline).
        let payload = (0..<8).map { UInt8(truncatingIfNeeded: expiresAt >> (56 - 8 * $0)) } + Array(login.utf8.prefix(AdminSession.maximumLoginBytes))
            + (team.map { [0x0A] + Array($0.utf8.prefix(AdminSession.maximumTeamBytes)) } ?? [])
        return Base64URL.encode(payload) + "." + Base64URL.encode(HMACSHA256.authenticationCode(key: sessionKey, message: payload))
    }

    /// The admin a cookie value stands for.
    public func verify(_ cookie: String?, now: Timestamp) throws(Rejection) -> Admin {
        guard let cookie, !cookie.isEmpty else { throw .missing }
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count <= 260, let payload = Base64URL.decode(String(parts[0])), payload.count > 8,
              let signature = Base64URL.decode(String(parts[1]))
        else { throw .malformed }
        guard constantTimeEquals(HMACSHA256.authenticationCode(key: sessionKey, message: payload), signature) else { throw .forged }
        let expiresAt = payload.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
        guard now.secondsSinceEpoch < expiresAt else { throw .expired }
        let names = payload.dropFirst(8).split(separator: 0x0A, maxSplits: 1, omittingEmptySubsequences: false)
        let login = String(decoding: names[0], as: UTF8.self)
        let team = names.count > 1 ? String(decoding: names[1], as: UTF8.self) : nil
        return Admin(login: login, team: team, expiresAt: expiresAt,
                     csrfToken: Base64URL.encode(HMACSHA256.authenticationCode(key: csrfKey, message: Array(cookie.utf8))))
    }

    /// Whether a form's `csrf` value is the one this session's pages carry.
    public static func isValidCSRF(_ submitted: String?, for admin: Admin) -> Bool {
        guard let submitted else { return false }
        return constantTimeEquals(Array(submitted.utf8), Array(admin.csrfToken.utf8))
    }

    public static func setCookie(_ value: String) -> (name: String, value: String) {
        ("Set-Cookie", "\(cookieName)=\(value); Max-Age=\(lifetimeSeconds); Path=/; HttpOnly; Secure; SameSite=Strict")
    }

    public static func clearCookie() -> (name: String, value: String) {
        ("Set-Cookie", "\(cookieName)=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict")
    }
}
