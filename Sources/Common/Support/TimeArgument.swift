/// Times as an admin types them on the command line: a span back from now (`90m`, `24h`, `7d`,
/// `2w`) or a point in time (`2026-11-25`, midnight UTC, or any ISO-8601 form GitHub uses).
public enum TimeArgument {
    /// `30s`, `90m`, `24h`, `7d` or `2w` in seconds; nil for anything else.
    public static func seconds(_ text: String) -> Int64? {
        guard let unit = text.last, let count = Int64(text.dropLast()), count >= 0 else { return nil }
        let scale: Int64
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86_400
        case "w": scale = 604_800
        default: return nil
        }
        let (product, overflow) = count.multipliedReportingOverflow(by: scale)
        return overflow || product > 100 * 366 * 86_400 ? nil : product
    }

    /// A span back from `now` or a date or time; nil for anything else.
    public static func pointInTime(_ text: String, now: Timestamp = .now()) -> Timestamp? {
        if let seconds = seconds(text) { return now.adding(seconds: -seconds) }
        if text.utf8.count == 10 { return Timestamp(iso8601: text + "T00:00:00Z") }
        return Timestamp(iso8601: text)
    }
}
