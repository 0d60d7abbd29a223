import Common

extension FuzzCheck {
    /// `X-Hub-Signature-256` parsing and matching, against a plain re-statement of GitHub's rule:
    /// a header is accepted exactly when it is `sha256=` and 64 lower-case hex digits, and it
    /// matches a secret exactly when it equals the header computed with that secret.
    public static let signatureHeader = FuzzCheck(name: "signature-header") { input in
        let header = String(decoding: input, as: UTF8.self)
        let secrets = [Array("first secret".utf8), Array("second secret".utf8)]
        // The header computed for this input always matches its own secret, and only that one.
        let signed = HubSignature.header(for: input, secret: secrets[1])
        if HubSignature(header: signed)?.matchingSecretIndex(body: input, secrets: secrets) != 1 {
            return "a correct signature of the input did not match its secret"
        }
        guard let signature = HubSignature(header: header) else {
            return isWellFormed(header) ? "refused a well-formed header \(header.debugDescription)" : nil
        }
        guard isWellFormed(header) else { return "accepted \(header.debugDescription)" }
        if HubSignature.prefix + lowercaseHex(signature.digest) != header { return "the digest read is not the one sent" }
        let expected = secrets.firstIndex { HubSignature.header(for: input, secret: $0) == header }
        if signature.matchingSecretIndex(body: input, secrets: secrets) != expected { return "matched the wrong secret" }
        return nil
    }

    private static func isWellFormed(_ header: String) -> Bool {
        let bytes = Array(header.utf8)
        return bytes.count == 71 && header.hasPrefix("sha256=")
            && bytes.dropFirst(7).allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}
