/// How long to wait after GitHub refused a request for its rate limits (docs/github-protocol.md, section 13),
/// or nil to give up. Continuing while limited can get the App banned, so every case waits.
public enum RateLimitWait {
    /// Tries of one request before giving up on a secondary limit that names no time.
    public static let maximumAttempts = 5
    /// The longest wait any header can ask for: GitHub's limits reset within the hour, so a reset
    /// days ahead (or at 2^63) is a bad header, and waiting a day is as far as we go.
    public static let longestWaitSeconds: Int64 = 86_400

    /// - `retry-after`: that many seconds.
    /// - the primary limit spent (`x-ratelimit-remaining: 0`): until `x-ratelimit-reset`, plus a
    ///   second for the reset second itself and clock skew.
    /// - a secondary limit with neither: a minute, doubling on each further refusal.
    public static func seconds(resetAt: Int64?, retryAfterSeconds: Int?, now: Int64, attempt: Int) -> Int64? {
        guard attempt <= maximumAttempts else { return nil }
        if let retryAfterSeconds { return Int64(retryAfterSeconds).clamped(to: 1...longestWaitSeconds) }
        if let resetAt {
            // Both numbers are GitHub's or the clock's: the difference is checked, not trusted.
            let (difference, overflow) = resetAt.subtractingReportingOverflow(now)
            if overflow { return resetAt > now ? longestWaitSeconds : 1 }
            return (max(difference, 0) + 1).clamped(to: 1...longestWaitSeconds)
        }
        return 60 << Int64(attempt - 1)
    }
}
