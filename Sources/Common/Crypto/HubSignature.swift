/// The `X-Hub-Signature-256` header: `sha256=` and 64 lower-case hex digits of
/// HMAC-SHA256(secret, exact raw body) (docs/github-protocol.md, section 2). Anything else, including upper-case
/// hex and the legacy `sha1=` form, never comes from a correctly configured hook and is refused.
public struct HubSignature: Sendable, Equatable {
    public static let prefix = "sha256="
    public let digest: [UInt8]

    /// Nil when the header is absent or not exactly of GitHub's form.
    public init?(header: String?) {
        guard let header else { return nil }
        let bytes = Array(header.utf8)
        guard bytes.count == 7 + 64, bytes.starts(with: Array(HubSignature.prefix.utf8)) else { return nil }
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        var index = 7
        while index < bytes.count {
            guard let high = lowercaseHexValue(bytes[index]), let low = lowercaseHexValue(bytes[index + 1]) else {
                return nil
            }
            digest.append(high << 4 | low)
            index += 2
        }
        self.digest = digest
    }

    /// The header GitHub would send for `body` signed with `secret`.
    public static func header(for body: [UInt8], secret: [UInt8]) -> String {
        prefix + lowercaseHex(HMACSHA256.authenticationCode(key: secret, message: body))
    }

    /// The index of the first secret that produced this signature, or nil. Several secrets may be
    /// active while one is being rotated out; each is tried, and each comparison runs over the
    /// whole digest.
    public func matchingSecretIndex(body: [UInt8], secrets: [[UInt8]]) -> Int? {
        var match: Int?
        for (index, secret) in secrets.enumerated() {
            let expected = HMACSHA256.authenticationCode(key: secret, message: body)
            if constantTimeEquals(expected, digest) && match == nil { match = index }
        }
        return match
    }
}

private func lowercaseHexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    default: nil
    }
}
