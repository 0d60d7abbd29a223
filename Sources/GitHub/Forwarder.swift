import Common

/// Forwards one stored delivery for an action (`FORWARD_URL`): the exact body with its content
/// type, GitHub's headers, and an `X-Hub-Signature-256` made with the action's own secret, so that
/// an existing GitHub receiver (the Odoo module's /odoo/github/webhook, a Probot app) takes it
/// unchanged; or, with `FORWARD_SIGNATURE=standard-webhooks`, Standard Webhooks' three headers
/// instead of GitHub's signature (the delivery id as `webhook-id`, the same for every try; the
/// try's own time as `webhook-timestamp`). Redirects are never followed (the body and a valid signature would go wherever the
/// answer points); plain http was allowed only to loopback when the action file was read.
public final class Forwarder {
    public struct Result: Sendable, Equatable {
        /// The answer's status, nil when there was none (connection refused, timeout).
        public var status: Int?
        /// The destination's `Retry-After`, in seconds, when it gave one as a number.
        public var retryAfterSeconds: Int?
        /// What happened, for the outbox's `last_result`: "HTTP 503: <start of the answer>", "timed out".
        public var summary: String

        public var succeeded: Bool { status.map { (200..<300).contains($0) } ?? false }
    }

    /// Enough to read a receiver's error message; a larger answer is cut off (and the try fails).
    static let maxResponseBytes = 1 << 20
    static let summaryBytes = 300

    private let curl: CurlEasy
    private let userAgent: String

    public init(version: String) throws(GitHubError) {
        curl = try CurlEasy()
        userAgent = "pulser-hub-sync/\(version) (forwarding GitHub-Hookshot deliveries)"
    }

    /// `secret`: the action's FORWARD_SECRET, or the Standard Webhooks key it holds; `now`: the try's time.
    public func forward(_ work: OutboxWork, to url: String, signature: ForwardSignature, secret: [UInt8], now: Timestamp,
                        timeoutSeconds: Int) -> Result {
        var headers = [
            "Content-Type: \(work.contentType)", "User-Agent: \(userAgent)", "X-GitHub-Event: \(work.event)",
            "X-GitHub-Delivery: \(work.deliveryID)", "X-GitHub-Hook-ID: \(work.hookID)",
            "Expect:",  // no 100-continue round trip (and no second's wait on receivers that ignore it)
        ]
        switch signature {
        case .github:
            headers.append("X-Hub-Signature-256: \(HubSignature.header(for: work.body, secret: secret))")
        case .standardWebhooks:
            let timestamp = now.microsecondsSinceEpoch / 1_000_000
            headers += ["webhook-id: \(work.deliveryID)", "webhook-timestamp: \(timestamp)",
                        "webhook-signature: " + StandardWebhookSignature.header(id: work.deliveryID, timestamp: timestamp, body: work.body, key: secret)]
        }
        if let targetType = work.targetType { headers.append("X-GitHub-Hook-Installation-Target-Type: \(targetType)") }
        if let targetID = work.targetID { headers.append("X-GitHub-Hook-Installation-Target-ID: \(targetID)") }
        do {
            let response = try curl.perform(
                method: "POST", url: url, headers: headers, body: work.body,
                connectTimeoutMilliseconds: min(10_000, timeoutSeconds * 1000), totalTimeoutMilliseconds: timeoutSeconds * 1000,
                limits: CurlEasy.Limits(followsRedirects: false, redirectProtocols: "https", maxResponseBytes: Forwarder.maxResponseBytes))
            let excerpt = String(decoding: response.body.prefix(Forwarder.summaryBytes), as: UTF8.self)
            return Result(status: response.status, retryAfterSeconds: response.headers["retry-after"].flatMap { Int($0.filter { !$0.isWhitespace }) }.map { max(0, $0) },
                          summary: "HTTP \(response.status)" + (excerpt.isEmpty ? "" : ": " + excerpt))
        } catch {
            return Result(status: nil, retryAfterSeconds: nil, summary: error == .timedOut ? "timed out after \(timeoutSeconds)s" : "\(error)")
        }
    }
}
