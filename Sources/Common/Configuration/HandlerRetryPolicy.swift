/// When an event's handlers run again, and when they stop. Two kinds of failure, two bounds:
/// - a handler that threw is tried again after an exponential wait with jitter, at most
///   `maxAttempts` tries in all, and never later than `retryWindowSeconds` after the delivery was
///   received; then the event stays `failed` (given up) until someone reprocesses it;
/// - an attempt whose process died (a trap, the OOM killer, SIGKILL, a handler over
///   `attemptTimeoutSeconds`) counts as a death; after `maxDeaths` the event is `failed` for good,
///   so that one poisonous delivery cannot crash workers in a loop.
/// Set in hubsync.env (README, "Handler retries"); defaults below.
public struct HandlerRetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int = 6
    public var firstWaitSeconds: Int64 = 30
    public var maxWaitSeconds: Int64 = 3600
    public var retryWindowSeconds: Int64 = 86_400
    public var maxDeaths: Int = 3
    /// A handler still running after this long is killed (with its process) and counted as a death.
    public var attemptTimeoutSeconds: Int64 = 60
    /// How often the event runner looks for due retries and dead attempts when nothing wakes it.
    public var sweepIntervalMilliseconds: Int = 5000

    public init() {}

    /// The wait before try number `attempts + 1`, without jitter: `firstWait * 2^(attempts-1)`,
    /// at most `maxWait`.
    public func baseWaitSeconds(afterAttempts attempts: Int) -> Int64 {
        let doublings = Int64(max(0, min(attempts - 1, 40)))
        let (wait, overflow) = firstWaitSeconds.multipliedReportingOverflow(by: Int64(1) << doublings)
        return overflow ? maxWaitSeconds : min(wait, maxWaitSeconds)
    }

    /// When to try again after `attempts` tries, or nil to give up. `jitter` in 0..<1 spreads the
    /// wait over its upper half ("equal jitter"), so events that failed together do not all come
    /// back in the same second, and the schedule still grows.
    public func nextAttempt(afterAttempts attempts: Int, receivedAt: Timestamp, now: Timestamp, jitter: Double) -> Timestamp? {
        guard attempts < maxAttempts else { return nil }
        let base = baseWaitSeconds(afterAttempts: attempts)
        let half = base / 2
        let wait = base - half + Int64(Double(half) * min(max(jitter, 0), 0.999_999))
        let at = now.adding(seconds: max(wait, 1))
        guard at <= receivedAt.adding(seconds: retryWindowSeconds) else { return nil }
        return at
    }

    /// Reads the `HUBSYNC_RETRY_*` and `HUBSYNC_HANDLER_*` variables; durations as `30s`, `10m`, `1h`, `2d`.
    init(variables value: (String) -> String?) throws(ConfigurationError) {
        func count(_ name: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text), range.contains(number) else {
                throw .invalidValue(variable: name, expected: "a number from \(range.lowerBound) to \(range.upperBound) (got \"\(text)\")")
            }
            return number
        }
        func duration(_ name: String, _ range: ClosedRange<Int64>) throws(ConfigurationError) -> Int64? {
            guard let text = value(name) else { return nil }
            guard let seconds = TimeArgument.seconds(text), range.contains(seconds) else {
                throw .invalidValue(variable: name, expected: "a duration such as 30s, 10m, 1h or 2d, from \(range.lowerBound) s to \(range.upperBound) s (got \"\(text)\")")
            }
            return seconds
        }
        maxAttempts = try count("HUBSYNC_RETRY_ATTEMPTS", 1...100) ?? maxAttempts
        firstWaitSeconds = try duration("HUBSYNC_RETRY_FIRST_WAIT", 1...86_400) ?? firstWaitSeconds
        maxWaitSeconds = try duration("HUBSYNC_RETRY_MAX_WAIT", 1...604_800) ?? maxWaitSeconds
        retryWindowSeconds = try duration("HUBSYNC_RETRY_WINDOW", 60...(90 * 86_400)) ?? retryWindowSeconds
        maxDeaths = try count("HUBSYNC_HANDLER_MAX_DEATHS", 1...100) ?? maxDeaths
        attemptTimeoutSeconds = try duration("HUBSYNC_HANDLER_TIMEOUT", 1...3600) ?? attemptTimeoutSeconds
        if let text = value("HUBSYNC_SWEEP_INTERVAL_MS") {
            guard let milliseconds = Int(text), (50...600_000).contains(milliseconds) else {
                throw .invalidValue(variable: "HUBSYNC_SWEEP_INTERVAL_MS", expected: "milliseconds from 50 to 600000 (got \"\(text)\")")
            }
            sweepIntervalMilliseconds = milliseconds
        }
        if maxWaitSeconds < firstWaitSeconds {
            throw .invalidValue(variable: "HUBSYNC_RETRY_MAX_WAIT", expected: "at least HUBSYNC_RETRY_FIRST_WAIT (\(firstWaitSeconds) s)")
        }
    }
}
