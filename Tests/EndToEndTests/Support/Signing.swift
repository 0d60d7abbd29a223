import Common
import Foundation

/// GitHub's signature for a body. Our HMAC is checked against GitHub's published vector and RFC 4231
/// in CommonTests; one end-to-end test also signs with the openssl command line, independently.
func signature(_ body: [UInt8], secret: String) -> String {
    HubSignature.header(for: body, secret: Array(secret.utf8))
}

/// The headers GitHub sends with a delivery (docs/github-protocol.md, section 1).
func deliveryHeaders(event: String, body: [UInt8], id: String, secret: String,
                     contentType: String = "application/json", hookID: String = "4242") -> [(String, String)] {
    [("Content-Type", contentType), ("X-GitHub-Event", event), ("X-GitHub-Delivery", id),
     ("X-GitHub-Hook-ID", hookID), ("X-GitHub-Hook-Installation-Target-Type", "integration"),
     ("X-GitHub-Hook-Installation-Target-ID", "1"), ("User-Agent", "GitHub-Hookshot/044aadd"),
     ("X-Hub-Signature-256", signature(body, secret: secret))]
}

func newDeliveryID() -> String { UUID().uuidString.lowercased() }
