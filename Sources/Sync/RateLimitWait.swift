/// How long to wait after GitHub refused a request for its rate limits (docs/github-protocol.md, section 13),
/// or nil to give up. Continuing while limited can get the App banned, so every case waits.
public enum RateLimitWait {
    /// Tries of one request before giving up on a secondary limit that names no time.
    public static let maximumAttempts = 5

    /// - `retry-after`: that many seconds.
    /// - the primary limit spent (`x-ratelimit-remaining: 0`): until `x-ratelimit-reset`, plus a
    ///   second for the reset second itself and clock skew.
    /// - a secondary limit with neither: a minute, doubling on each further refusal.
    public static func seconds(resetAt: Int64?, retryAfterSeconds: Int?, now: Int64, attempt: Int) -> Int64? {
        guard attempt <= maximumAttempts else { return nil }
        if let retryAfterSeconds { return Int64(max(retryAfterSeconds, 1)) }
        if let resetAt { return max(resetAt - now, 0) + 1 }
        return 60 << Int64(attempt - 1)
    }
}
