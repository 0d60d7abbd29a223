import ArgumentParser
import Common

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Counts by status and event over the last hour, day and all time; last delivery, oldest pending, the outbox, database size.",
        discussion: "--prometheus writes the same in Prometheus' text format, for node_exporter's textfile collector.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Prometheus text exposition format.") var prometheus = false

    func run() throws {
        let database = try global.database()
        let queries = EventQueries(database: database)
        let now = Timestamp.now()
        let windows: [(name: String, since: Timestamp?)] = [("1h", now.adding(seconds: -3600)), ("24h", now.adding(seconds: -86_400)), ("all", nil)]
        let statistics = try windows.map { (window: $0.name, counts: try queries.statistics(since: $0.since)) }
        let newest = try queries.newestReceivedAt()
        let oldestPending = try queries.oldestPending()
        let oldestPendingAgeSeconds = oldestPending.flatMap { Timestamp(iso8601: $0.receivedAt) }
            .map { max(0, now.secondsSinceEpoch - $0.secondsSinceEpoch) }
        let retries = try queries.retryCounts()
        let size = try queries.sizeInBytes()
        let outbox = try OutboxStore(database: database).counts()
        let oldestOutboxAgeSeconds = outbox.oldestUnfinishedAt.flatMap { Timestamp(iso8601: $0) }
            .map { max(0, now.secondsSinceEpoch - $0.secondsSinceEpoch) }

        if prometheus {
            var lines: [String] = []
            lines.append("# HELP hubsync_events Stored webhook deliveries by handler status, received within the window.")
            lines.append("# TYPE hubsync_events gauge")
            for (window, counts) in statistics {
                for status in EventStatus.allCases {
                    lines.append("hubsync_events{window=\"\(window)\",status=\"\(status.rawValue)\"} \(counts.byStatus[status.rawValue] ?? 0)")
                }
            }
            lines.append("# HELP hubsync_events_by_event Stored webhook deliveries by event, received within the window.")
            lines.append("# TYPE hubsync_events_by_event gauge")
            for (window, counts) in statistics {
                for (event, count) in counts.byEvent.sorted(by: { $0.key < $1.key }) {
                    lines.append("hubsync_events_by_event{window=\"\(window)\",event=\"\(prometheusLabel(event))\"} \(count)")
                }
            }
            lines.append("# HELP hubsync_last_delivery_timestamp_seconds When the newest delivery was received.")
            lines.append("# TYPE hubsync_last_delivery_timestamp_seconds gauge")
            lines.append("hubsync_last_delivery_timestamp_seconds \(newest.map { String($0.secondsSinceEpoch) } ?? "NaN")")
            lines.append("# HELP hubsync_oldest_pending_timestamp_seconds When the oldest event still pending was received.")
            lines.append("# TYPE hubsync_oldest_pending_timestamp_seconds gauge")
            lines.append("hubsync_oldest_pending_timestamp_seconds "
                         + (oldestPending.flatMap { Timestamp(iso8601: $0.receivedAt) }.map { String($0.secondsSinceEpoch) } ?? "NaN"))
            lines.append("# HELP hubsync_oldest_pending_age_seconds How long the oldest event still pending has waited (0 when none).")
            lines.append("# TYPE hubsync_oldest_pending_age_seconds gauge")
            lines.append("hubsync_oldest_pending_age_seconds \(oldestPendingAgeSeconds ?? 0)")
            lines.append("# HELP hubsync_events_retrying Failed events that the event runner will try again by itself.")
            lines.append("# TYPE hubsync_events_retrying gauge")
            lines.append("hubsync_events_retrying \(retries.retrying)")
            lines.append("# HELP hubsync_events_given_up Failed events given up: they run again only when reprocessed or redelivered.")
            lines.append("# TYPE hubsync_events_given_up gauge")
            lines.append("hubsync_events_given_up \(retries.givenUp)")
            lines.append("# HELP hubsync_outbox_items Outbox items (one per delivery and matching action) by status.")
            lines.append("# TYPE hubsync_outbox_items gauge")
            for status in OutboxStatus.allCases {
                lines.append("hubsync_outbox_items{status=\"\(status.rawValue)\"} \(outbox.byStatus[status] ?? 0)")
            }
            lines.append("# HELP hubsync_outbox_oldest_unfinished_age_seconds How long the oldest pending or retrying item has waited (0 when none).")
            lines.append("# TYPE hubsync_outbox_oldest_unfinished_age_seconds gauge")
            lines.append("hubsync_outbox_oldest_unfinished_age_seconds \(oldestOutboxAgeSeconds ?? 0)")
            lines.append("# HELP hubsync_database_bytes Size of the SQLite database file.")
            lines.append("# TYPE hubsync_database_bytes gauge")
            lines.append("hubsync_database_bytes \(size)")
            print(lines.joined(separator: "\n"))
            return
        }
        if global.json {
            print(JSONValue(dictionaryLiteral:
                ("windows", .object(JSONObject(statistics.map { item in
                    (item.window, ["by_status": countsJSON(item.counts.byStatus, keys: EventStatus.allCases.map(\.rawValue)),
                                   "by_event": countsJSON(item.counts.byEvent, keys: item.counts.byEvent.keys.sorted())] as JSONValue)
                }))),
                ("last_received_at", json(newest?.iso8601)),
                ("oldest_pending", oldestPending.map { ["id": .int($0.id), "received_at": .string($0.receivedAt),
                                                        "age_seconds": json(oldestPendingAgeSeconds)] } ?? .null),
                ("retrying", .int(Int64(retries.retrying))), ("given_up", .int(Int64(retries.givenUp))),
                ("outbox", ["by_status": .object(JSONObject(OutboxStatus.allCases.map { ($0.rawValue, .int(Int64(outbox.byStatus[$0] ?? 0))) })),
                            "oldest_unfinished_age_seconds": json(oldestOutboxAgeSeconds)]),
                ("database_bytes", .int(size))).jsonText)
            return
        }
        print(textTable(["WINDOW"] + EventStatus.allCases.map { $0.rawValue.uppercased() }, statistics.map { item in
            [item.window] + EventStatus.allCases.map { String(item.counts.byStatus[$0.rawValue] ?? 0) }
        }))
        print("")
        let events = Set(statistics.flatMap { $0.counts.byEvent.keys }).sorted()
        print(textTable(["EVENT"] + windows.map { $0.name.uppercased() }, events.map { event in
            [event] + statistics.map { String($0.counts.byEvent[event] ?? 0) }
        }))
        print("")
        print("last delivery received: \(newest?.iso8601 ?? "none")")
        print("oldest pending:         \(oldestPending.map { "event \($0.id), received \($0.receivedAt)" + (oldestPendingAgeSeconds.map { ", \($0) s ago" } ?? "") } ?? "none")")
        print("failed, retrying:       \(retries.retrying)")
        print("failed, given up:       \(retries.givenUp)")
        print("outbox:                 " + OutboxStatus.allCases.map { "\($0.rawValue) \(outbox.byStatus[$0] ?? 0)" }.joined(separator: ", ")
              + (oldestOutboxAgeSeconds.map { "; oldest unfinished \($0) s old" } ?? ""))
        print("database size:          \(size) bytes")
    }
}

private func countsJSON(_ counts: [String: Int], keys: [String]) -> JSONValue {
    .object(JSONObject(keys.map { ($0, .int(Int64(counts[$0] ?? 0))) }))
}

/// A label value with `\`, `"` and newlines escaped, as the text format requires.
private func prometheusLabel(_ text: String) -> String {
    var escaped = ""
    for character in text {
        switch character {
        case "\\": escaped += "\\\\"
        case "\"": escaped += "\\\""
        case "\n": escaped += "\\n"
        default: escaped.append(character)
        }
    }
    return escaped
}
