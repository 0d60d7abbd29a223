/// The JSON Web Token a GitHub App signs to act as itself (docs/github-protocol.md, section 7): RS256, `iat` 60 s
/// in the past against clock drift, `exp` 9 minutes ahead (under GitHub's 10-minute maximum, so a
/// clock running slightly fast is still accepted), `iss` the client ID when set (GitHub's
/// recommendation) or else the numeric App ID.
public enum AppJWT {
    public static let issuedAtSkewSeconds: Int64 = 60
    public static let lifetimeSeconds: Int64 = 540

    public static func make(key: AppPrivateKey, issuer: String, now: Timestamp) throws(AppJWTError) -> String {
        let issuedAt = now.secondsSinceEpoch - issuedAtSkewSeconds
        let header = Base64URL.encode(#"{"alg":"RS256","typ":"JWT"}"#)
        let claims: JSONValue = ["iat": .int(issuedAt), "exp": .int(now.secondsSinceEpoch + lifetimeSeconds), "iss": .string(issuer)]
        let signingInput = header + "." + Base64URL.encode(JSONText.bytes(claims))
        do {
            return signingInput + "." + Base64URL.encode(try key.signRS256(Array(signingInput.utf8)))
        } catch {
            throw AppJWTError(reason: error.description)
        }
    }

    /// Loads the key at `configuration.appPrivateKeyPath` and signs a JWT for the configured App.
    public static func make(configuration: Configuration, now: Timestamp) throws(AppJWTError) -> String {
        guard let issuer = configuration.appClientID ?? configuration.appID else {
            throw AppJWTError(reason: "set GITHUB_APP_CLIENT_ID or GITHUB_APP_ID")
        }
        guard let path = configuration.appPrivateKeyPath else { throw AppJWTError(reason: "GITHUB_APP_PEM_PATH is not set") }
        let key: AppPrivateKey
        do { key = try AppPrivateKey(path: path) } catch { throw AppJWTError(reason: error.description) }
        return try make(key: key, issuer: issuer, now: now)
    }
}

/// "Failed to generate JWT: <reason>", the original module's wording.
public struct AppJWTError: Error, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { "Failed to generate JWT: \(reason)" }
}
