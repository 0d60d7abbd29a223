import Common

/// What went wrong talking to GitHub. Descriptions never include a token or a secret.
public enum GitHubError: Error, Equatable, CustomStringConvertible {
    /// DNS, connection or TLS failure: GitHub is unreachable from here.
    case network(String)
    case timedOut
    /// GitHub answered 5xx, after the retries.
    case server(status: Int)
    /// Primary or secondary rate limit (docs/github-protocol.md, section 13): not retried blindly.
    case rateLimited(resetAt: Int64?, retryAfterSeconds: Int?)
    /// Any other error answer, with GitHub's own message.
    case http(status: Int, message: String)
    case invalidResponse(String)
    case configuration(String)

    public var description: String {
        switch self {
        case .network(let reason): "GitHub unreachable: \(reason)"
        case .timedOut: "GitHub did not answer in time"
        case .server(let status): "GitHub answered \(status)"
        case .rateLimited(let resetAt, let retryAfter):
            if let retryAfter { "GitHub rate limit: retry after \(retryAfter) s" }
            else if let resetAt { "GitHub rate limit: resets at \(Timestamp(secondsSinceEpoch: resetAt)?.iso8601 ?? "a time out of range (\(resetAt))")" }
            else { "GitHub rate limit" }
        case .http(let status, let message): "GitHub answered \(status): \(message)"
        case .invalidResponse(let reason): "unexpected answer from GitHub: \(reason)"
        case .configuration(let reason): reason
        }
    }

    /// Network failures, timeouts and 5xx: GitHub could not be reached, worth a "try again".
    public var isUnreachable: Bool {
        switch self {
        case .network, .timedOut, .server: true
        default: false
        }
    }
}
