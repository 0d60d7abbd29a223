import Glibc

/// A point in time with microsecond resolution, in UTC. Deliberately not Foundation's `Date`: the
/// FastCGI programs stay free of Foundation so that their static binaries stay small (STACK.md, 10).
public struct Timestamp: Sendable, Hashable, Comparable {
    public let microsecondsSinceEpoch: Int64

    public init(microsecondsSinceEpoch: Int64) { self.microsecondsSinceEpoch = microsecondsSinceEpoch }

    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microsecondsSinceEpoch: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000)
    }

    public var secondsSinceEpoch: Int64 { microsecondsSinceEpoch / 1_000_000 }

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

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }

    /// Time elapsed since `self`, in milliseconds, for log lines.
    public func millisecondsUntil(_ later: Timestamp) -> Double {
        Double(later.microsecondsSinceEpoch - microsecondsSinceEpoch) / 1_000
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
