/// A short, stable name for a webhook secret that reveals nothing of it: the first 8 bytes of
/// HMAC-SHA256 under the key file's key, in hex. Keyed, so that someone holding only the database
/// cannot test guesses of a weak secret against it.
public enum SecretFingerprint {
    public static func of(_ secret: [UInt8], key: [UInt8]) -> String {
        lowercaseHex(HMACSHA256.authenticationCode(key: key, message: Array("webhook-secret-fingerprint:".utf8) + secret).prefix(8))
    }
}
