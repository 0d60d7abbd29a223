import Common

/// The `state` of a round trip through GitHub in the browser, against login CSRF: a random nonce,
/// an expiry and what the trip carries (the console's page to return to), signed with HMAC-SHA256
/// under a key derived from the token key file for one purpose, and bound to a cookie carrying the
/// same nonce that the redirect to GitHub sets. GitHub sends `state` back unchanged
/// (docs/github-protocol.md, section 10); a state that is forged, expired, made for the other
/// purpose, or not matching the browser's cookie is refused. Installs started on github.com carry
/// no state and rely on the ownership check alone.
public struct BrowserState: Sendable {
    public enum Purpose: String, Sendable {
        /// `/github/install` to the installation callback.
        case install
        /// The console's sign-in with GitHub to `/github/admin/callback`.
        case signIn = "sign-in"
    }

    public static let lifetimeSeconds: Int64 = 600
    /// A carried value larger than this is refused when issued (a page path is far shorter).
    static let maximumCarriedBytes = 1024
    public let purpose: Purpose
    private let key: [UInt8]

    public init(tokenKey: [UInt8], purpose: Purpose) {
        self.purpose = purpose
        // "install state v1" is the derivation install links have always used: states issued
        // before the console existed still verify.
        let context = purpose == .install ? "pulser-hub-sync install state v1" : "pulser-hub-sync \(purpose.rawValue) state v1"
        key = HMACSHA256.authenticationCode(key: tokenKey, message: Array(context.utf8))
    }

    public var cookieName: String { purpose == .install ? "hubsync_install" : "hubsync_sign_in" }

    /// A new state carrying `carried`, and the cookie value to set with it.
    public func issue(now: Timestamp, carrying carried: [UInt8] = []) throws -> (state: String, cookieValue: String) {
        precondition(carried.count <= BrowserState.maximumCarriedBytes, "a carried value is a short path")
        let nonce = try randomBytes(16)
        let expiresAt = now.secondsSinceEpoch + BrowserState.lifetimeSeconds
        let payload = nonce + (0..<8).map { UInt8(truncatingIfNeeded: expiresAt >> (56 - 8 * $0)) } + carried
        let signature = HMACSHA256.authenticationCode(key: key, message: payload)
        return (Base64URL.encode(payload) + "." + Base64URL.encode(signature), Base64URL.encode(nonce))
    }

    public enum Rejection: Error, Equatable {
        case malformed, forged, expired, cookieMismatch
    }

    /// Checks a returned state against the browser's cookie; returns what it carries.
    @discardableResult
    public func verify(_ state: String, cookieValue: String?, now: Timestamp) throws(Rejection) -> [UInt8] {
        let parts = state.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count <= 2 * BrowserState.maximumCarriedBytes,
              let payload = Base64URL.decode(String(parts[0])), payload.count >= 24, let signature = Base64URL.decode(String(parts[1]))
        else { throw .malformed }
        guard constantTimeEquals(HMACSHA256.authenticationCode(key: key, message: payload), signature) else { throw .forged }
        let expiresAt = payload[16..<24].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        guard now.secondsSinceEpoch <= expiresAt else { throw .expired }
        guard let cookieValue, let cookieNonce = Base64URL.decode(cookieValue),
              constantTimeEquals(cookieNonce, Array(payload.prefix(16)))
        else { throw .cookieMismatch }
        return Array(payload.dropFirst(24))
    }

    /// `Set-Cookie` for the nonce: HttpOnly, Secure, SameSite=Lax (the return from github.com is a
    /// top-level GET, which Lax allows), gone when the state expires.
    public func setCookie(_ value: String) -> (name: String, value: String) {
        ("Set-Cookie", "\(cookieName)=\(value); Max-Age=\(BrowserState.lifetimeSeconds); Path=/; HttpOnly; Secure; SameSite=Lax")
    }

    public func clearCookie() -> (name: String, value: String) {
        ("Set-Cookie", "\(cookieName)=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax")
    }
}
