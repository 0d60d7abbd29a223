import Common
import GitHub

/// `hubsync redeliver`: GitHub never retries a failed delivery (docs/github-protocol.md, sections 3, 4 and 6).
/// GitHub's own recipe: list the App hook's delivery attempts (newest first, cursor pages), group
/// them by GUID, skip a GUID any attempt of which succeeded (`status` "OK"), and ask for one
/// redelivery of the others. Also skipped: GUIDs this database stored (the failure was only in the
/// answer), and GUIDs asked for within the last hour (a timer runs this every few minutes).
public final class Redelivery {
    /// A GUID asked for is not asked again before this, while its redelivery is under way.
    public static let askAgainAfterSeconds: Int64 = 3600
    /// GitHub.com keeps deliveries 3 days (GHES 7); older requests are forgotten.
    public static let retentionSeconds: Int64 = 7 * 86_400

    public struct Report: Sendable {
        public var windowStart: Timestamp
        public var attempts = 0
        public var guids = 0
        public var succeeded = 0
        public var storedHere = 0
        public var askedRecently = 0
        public var redelivered: [(guid: String, attemptID: Int64, event: String?)] = []
        public var dryRun: Bool

        public var json: JSONValue {
            [
                "window_start": .string(windowStart.iso8601), "attempts": .int(Int64(attempts)), "guids": .int(Int64(guids)),
                "succeeded": .int(Int64(succeeded)), "stored_here": .int(Int64(storedHere)), "asked_recently": .int(Int64(askedRecently)),
                "dry_run": .bool(dryRun),
                "redelivered": .array(redelivered.map { ["guid": .string($0.guid), "attempt_id": .int($0.attemptID),
                                                         "event": $0.event.map { .string($0) } ?? .null] }),
            ]
        }
    }

    private let configuration: Configuration
    private let client: GitHubClient
    private let store: RedeliveryStore
    private let reader: PageReader
    private let now: () -> Timestamp

    public init(configuration: Configuration, database: Database, client: GitHubClient, progress: @escaping (String) -> Void,
                sleep: @escaping (Int64) -> Void = { sleepSeconds($0) }, now: @escaping () -> Timestamp = { .now() },
                maximumWaitSeconds: Int64 = 300) {
        self.configuration = configuration
        self.client = client
        store = RedeliveryStore(database: database)
        reader = PageReader(client: client, maximumWaitSeconds: maximumWaitSeconds, sleep: sleep, progress: progress, now: now)
        self.now = now
    }

    public func run(since windowStart: Timestamp, dryRun: Bool) throws -> Report {
        var report = Report(windowStart: windowStart, dryRun: dryRun)
        // Every attempt in the window: pages are newest first, so the first older item ends the listing.
        var groups: [String: [JSONNode]] = [:]
        var order: [String] = []
        var url: String? = "/app/hook/deliveries?per_page=100"
        while let page = url {
            let answer = try reader.get(page, credential: appCredential)
            url = answer.next
            for attempt in answer.json.arrayValue ?? [] {
                guard let deliveredAt = attempt["delivered_at"]?.stringValue.flatMap({ Timestamp(iso8601: $0) }),
                      let guid = attempt["guid"]?.stringValue else { continue }
                if deliveredAt < windowStart { url = nil; continue }
                report.attempts += 1
                if groups[guid] == nil { order.append(guid) }
                groups[guid, default: []].append(attempt)
            }
        }
        report.guids = groups.count
        let askAgainBefore = now().adding(seconds: -Redelivery.askAgainAfterSeconds)
        for guid in order {
            let attempts = groups[guid] ?? []
            if attempts.contains(where: { $0["status"]?.stringValue == "OK" }) { report.succeeded += 1; continue }
            if try store.isStored(guid: guid) { report.storedHere += 1; continue }
            if let last = try store.lastRequest(guid: guid), askAgainBefore < last.at { report.askedRecently += 1; continue }
            // The newest attempt stands for the delivery (they share the GUID and the payload).
            guard let attemptID = attempts.first?["id"]?.int64Value else { continue }
            let event = attempts.first?["event"]?.stringValue
            if !dryRun {
                _ = try client.rest("POST", "/app/hook/deliveries/\(attemptID)/attempts", credential: try appCredential())
                try store.recordRequest(guid: guid, attemptID: attemptID, event: event, at: now())
            }
            report.redelivered.append((guid, attemptID, event))
        }
        if !dryRun { try store.forget(requestedBefore: now().adding(seconds: -Redelivery.retentionSeconds)) }
        return report
    }

    private func appCredential() throws -> GitHubClient.Credential {
        .bearer(try AppJWT.make(configuration: configuration, now: now()))
    }
}
