import Common

/// The `state` of an install link, against login CSRF: a random nonce and an expiry, signed with
/// HMAC-SHA256 under a key derived from the secrets key file, and bound to a cookie carrying the
/// same nonce that the install redirect sets. GitHub sends `state` back unchanged (docs/github-protocol.md,
/// section 10); a state that is forged, expired, or not matching the browser's cookie is refused.
/// Installs started on github.com carry no state and rely on the ownership check alone.
public struct InstallState: Sendable {
    public static let cookieName = "hubsync_install"
    public static let lifetimeSeconds: Int64 = 600
    private let key: [UInt8]

    public init(tokenKey: [UInt8]) {
        key = HMACSHA256.authenticationCode(key: tokenKey, message: Array("pulser-hub-sync install state v1".utf8))
    }

    /// A new state and the cookie value to set with it.
    public func issue(now: Timestamp) throws -> (state: String, cookieValue: String) {
        let nonce = try randomBytes(16)
        let expiresAt = now.secondsSinceEpoch + InstallState.lifetimeSeconds
        let payload = nonce + (0..<8).map { UInt8(truncatingIfNeeded: expiresAt >> (56 - 8 * $0)) }
        let signature = HMACSHA256.authenticationCode(key: key, message: payload)
        return (Base64URL.encode(payload) + "." + Base64URL.encode(signature), Base64URL.encode(nonce))
    }

    public enum Rejection: Error, Equatable {
        case malformed, forged, expired, cookieMismatch
    }

    /// Checks a returned state against the browser's cookie.
    public func verify(_ state: String, cookieValue: String?, now: Timestamp) throws(Rejection) {
        let parts = state.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Base64URL.decode(String(parts[0])), payload.count == 24,
              let signature = Base64URL.decode(String(parts[1]))
        else { throw .malformed }
        guard constantTimeEquals(HMACSHA256.authenticationCode(key: key, message: payload), signature) else { throw .forged }
        let expiresAt = payload.suffix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
        guard now.secondsSinceEpoch <= expiresAt else { throw .expired }
        guard let cookieValue, let cookieNonce = Base64URL.decode(cookieValue),
              constantTimeEquals(cookieNonce, Array(payload.prefix(16)))
        else { throw .cookieMismatch }
    }

    /// `Set-Cookie` for the nonce: HttpOnly, Secure, SameSite=Lax (the return from github.com is a
    /// top-level GET, which Lax allows), gone when the state expires.
    public static func setCookieHeader(_ value: String) -> (name: String, value: String) {
        ("Set-Cookie", "\(cookieName)=\(value); Max-Age=\(lifetimeSeconds); Path=/; HttpOnly; Secure; SameSite=Lax")
    }

    public static func clearCookieHeader() -> (name: String, value: String) {
        ("Set-Cookie", "\(cookieName)=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax")
    }
}
