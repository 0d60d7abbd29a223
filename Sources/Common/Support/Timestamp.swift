import Glibc

/// A point in time with microsecond resolution, in UTC. Deliberately not Foundation's `Date`: the
/// FastCGI programs stay free of Foundation so that their static binaries stay small (docs/stack-notes.md, 10).
public struct Timestamp: Sendable, Hashable, Comparable {
    public let microsecondsSinceEpoch: Int64

    public init(microsecondsSinceEpoch: Int64) { self.microsecondsSinceEpoch = microsecondsSinceEpoch }

    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microsecondsSinceEpoch: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000)
    }

    public var secondsSinceEpoch: Int64 { microsecondsSinceEpoch / 1_000_000 }

    /// Microseconds on the monotonic clock, for durations (a wall clock may step while one runs).
    public static func monotonicMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000
    }

    /// The range of times this program represents: years 1 to 9999, what the fixed-width ISO text
    /// holds. Numbers from payloads, headers and GitHub's answers are checked against it, so that
    /// `10000000000000` seconds is an error, not an overflow that traps the process
    /// (docs/code-style.md, rule 10).
    public static let earliestSeconds: Int64 = -62_135_596_800  // 0001-01-01T00:00:00Z
    public static let latestSeconds: Int64 = 253_402_300_799    // 9999-12-31T23:59:59Z
    public static let earliest = Timestamp(microsecondsSinceEpoch: earliestSeconds * 1_000_000)
    public static let latest = Timestamp(microsecondsSinceEpoch: latestSeconds * 1_000_000)

    /// Unix seconds from outside (a payload's `pushed_at`, a rate limit's reset); nil outside years 1 to 9999.
    public init?(secondsSinceEpoch seconds: Int64) {
        guard (Timestamp.earliestSeconds...Timestamp.latestSeconds).contains(seconds) else { return nil }
        self.init(microsecondsSinceEpoch: seconds * 1_000_000)
    }

    /// ISO-8601 UTC with milliseconds, e.g. `2026-11-26T10:12:57.123Z`. Fixed width, so the text
    /// sorts in time order, which is why the store keeps times in this form.
    public var iso8601: String {
        var seconds = time_t(microsecondsSinceEpoch / 1_000_000)
        let milliseconds = Int((microsecondsSinceEpoch % 1_000_000) / 1_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-"
            + pad(Int(parts.tm_mday), 2) + "T" + pad(Int(parts.tm_hour), 2) + ":"
            + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2) + "." + pad(milliseconds, 3) + "Z"
    }

    /// Parses GitHub's ISO-8601 forms: `2016-07-11T22:14:10Z`, with fractional seconds, or with an
    /// offset such as `-04:00` (docs/github-protocol.md, section 14). Nil for anything else.
    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84 || bytes[10] == 32, bytes[13] == 58, bytes[16] == 58
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard bytes[index] >= 48 && bytes[index] <= 57 else { return nil }
                value = value * 10 + Int(bytes[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month), (1...31).contains(day),
              hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var microseconds = 0
        if index < bytes.count, bytes[index] == 46 {  // fraction
            index += 1
            var scale = 100_000
            while index < bytes.count, bytes[index] >= 48 && bytes[index] <= 57 {
                microseconds += Int(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds = 0
        if bytes[index] == 90 {  // Z
            index += 1
        } else if bytes[index] == 43 || bytes[index] == 45, index + 6 <= bytes.count, bytes[index + 3] == 58,
                  let hours = number((index + 1)..<(index + 3)), let minutes = number((index + 4)..<(index + 6)) {
            offsetSeconds = (hours * 3600 + minutes * 60) * (bytes[index] == 45 ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = Int64(timegm(&parts)) - Int64(offsetSeconds)
        guard Timestamp(secondsSinceEpoch: seconds) != nil else { return nil }
        self.init(microsecondsSinceEpoch: seconds * 1_000_000 + Int64(microseconds))
    }

    /// `self` moved by `seconds`, saturating at `earliest` and `latest`: a `Retry-After` or an
    /// `expires_in` of 2^63 becomes the far end of time, never an overflow.
    public func adding(seconds: Int64) -> Timestamp {
        adding(microseconds: seconds.clamped(to: -Timestamp.latestSeconds * 2...Timestamp.latestSeconds * 2) * 1_000_000)
    }

    /// The same in microseconds, saturating.
    public func adding(microseconds: Int64) -> Timestamp {
        let (sum, overflow) = microsecondsSinceEpoch.addingReportingOverflow(microseconds)
        let result = overflow ? (microseconds > 0 ? Timestamp.latest : Timestamp.earliest) : Timestamp(microsecondsSinceEpoch: sum)
        return min(max(result, Timestamp.earliest), Timestamp.latest)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }

    /// Time elapsed since `self`, in milliseconds, for log lines.
    public func millisecondsUntil(_ later: Timestamp) -> Double {
        (Double(later.microsecondsSinceEpoch) - Double(microsecondsSinceEpoch)) / 1_000
    }
}

public extension Comparable {
    func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
