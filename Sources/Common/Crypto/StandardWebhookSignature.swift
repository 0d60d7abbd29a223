/// The signature of Standard Webhooks (https://www.standardwebhooks.com, the format Svix and
/// others send and verify; README, "Actions"): `webhook-signature: v1,<base64 of
/// HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>">`, keyed with the bytes whose base64
/// follows `whsec_` in the receiver's secret. An action with `FORWARD_SIGNATURE=standard-webhooks`
/// signs each try with it, so a receiver built on a Standard Webhooks library takes the delivery.
public enum StandardWebhookSignature {
    public static let secretPrefix = "whsec_"
    /// The specification's secrets are 24 to 64 random bytes.
    public static let keyBytes = 24...64

    /// The key in a `whsec_<base64>` secret; nil for any other form or length.
    public static func key(fromSecret secret: String) -> [UInt8]? {
        guard secret.hasPrefix(secretPrefix), let key = Base64URL.decodeStandard(String(secret.dropFirst(secretPrefix.count))),
              keyBytes.contains(key.count) else { return nil }
        return key
    }

    /// The `webhook-signature` value for one try.
    public static func header(id: String, timestamp: Int64, body: [UInt8], key: [UInt8]) -> String {
        let signed = Array("\(id).\(timestamp).".utf8) + body
        return "v1," + Base64URL.encodeStandard(HMACSHA256.authenticationCode(key: key, message: signed))
    }
}
