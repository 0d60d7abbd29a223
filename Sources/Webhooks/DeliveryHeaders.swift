import Common

/// The GitHub headers of one delivery (docs/github-protocol.md, section 1), validated: a value that no GitHub
/// hook would send is refused before it reaches the store or a log line.
struct DeliveryHeaders: Equatable {
    var event: String
    var deliveryID: String
    /// 0 when the header is absent (a hook configured without it, or a hand-made test delivery).
    var hookID: Int64
    var targetType: String?
    var targetID: Int64?

    init(_ request: HTTPRequest) throws(IntakeError) {
        guard let event = request.header("x-github-event"), !event.isEmpty else { throw .missingHeader("X-GitHub-Event") }
        guard event.utf8.count <= 64, event.utf8.allSatisfy(isEventNameByte) else { throw .invalidHeader("X-GitHub-Event") }
        guard let delivery = request.header("x-github-delivery"), !delivery.isEmpty else {
            throw .missingHeader("X-GitHub-Delivery")
        }
        // GitHub sends a GUID; allow a little more for other senders, but nothing that is not a token.
        guard delivery.utf8.count <= 128, delivery.utf8.allSatisfy(isDeliveryIDByte) else {
            throw .invalidHeader("X-GitHub-Delivery")
        }
        self.event = event
        self.deliveryID = delivery
        hookID = 0
        if let text = request.header("x-github-hook-id"), !text.isEmpty {
            guard let number = Int64(text), number >= 0 else { throw .invalidHeader("X-GitHub-Hook-ID") }
            hookID = number
        }
        // Stored, never branched on (docs/github-protocol.md, section 1).
        targetType = request.header("x-github-hook-installation-target-type").flatMap { text in
            text.utf8.count <= 64 && text.utf8.allSatisfy(isEventNameByte) ? text : nil
        }
        targetID = request.header("x-github-hook-installation-target-id").flatMap { Int64($0) }
    }
}

private func isEventNameByte(_ byte: UInt8) -> Bool {
    (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || (byte >= 48 && byte <= 57) || byte == 95 || byte == 46 || byte == 45
}

private func isDeliveryIDByte(_ byte: UInt8) -> Bool {
    (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || (byte >= 48 && byte <= 57) || byte == 45 || byte == 95 || byte == 46
}
