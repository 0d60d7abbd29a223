import ArgumentParser
import Common
import Webhooks

struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The stored webhook deliveries: list, show, reprocess, prune.",
        subcommands: [List.self, Show.self, Reprocess.self, Prune.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stored events, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this status: pending, processed, failed or skipped.") var status: EventStatus?
        @Option(help: "Only this event (push, pull_request, ...).") var event: String?
        @Option(help: "Only this repository (OWNER/NAME).") var repo: String?
        @Option(help: "Only events received since then: 24h, 7d, 2026-11-25 or an ISO-8601 time.") var since: String?
        @Option(help: "At most this many.") var limit = 50

        func validate() throws {
            if let since, TimeArgument.pointInTime(since) == nil { throw ValidationError("--since must be like 24h, 7d or 2026-11-25, not \(since)") }
            guard limit > 0 else { throw ValidationError("--limit must be positive") }
        }

        func run() throws {
            let filter = EventFilter(status: status, event: event, repository: repo, since: since.flatMap { TimeArgument.pointInTime($0) })
            let events = try EventQueries(database: global.database()).list(filter, limit: limit)
            if global.json {
                printJSON(events.map(listingJSON))
            } else {
                print(textTable(["ID", "RECEIVED", "EVENT", "REPOSITORY", "STATUS", "TRIES", "NEXT RETRY", "DELIVERY"], events.map { event in
                    [String(event.id), String(event.receivedAt.prefix(19)), event.event + (event.action.map { ".\($0)" } ?? ""),
                     event.repository ?? "", event.statusDescription + (event.error.map { ": \($0.prefix(40))" } ?? ""),
                     String(event.attempts), event.nextAttemptAt.map { String($0.prefix(19)) } ?? "-", event.deliveryID]
                }))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One event, all fields and the handler's summary.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The event's id or its delivery GUID (X-GitHub-Delivery).") var event: String
        @Flag(help: "Print only the stored body, byte for byte.") var payload = false

        func run() throws {
            let database = try global.database()
            let queries = EventQueries(database: database)
            guard let id = try queries.eventID(idOrDeliveryID: event), let stored = try EventStore(database: database).event(id: id) else {
                throw CommandFailure("no event with id or delivery id \(event)")
            }
            if payload {
                writeStandardOutput(stored.body)
                return
            }
            let value: JSONValue = [
                "id": .int(stored.id), "delivery_id": .string(stored.deliveryID), "hook_id": .int(stored.hookID),
                "event": .string(stored.event), "action": json(stored.action), "installation_id": json(stored.installationID),
                "repository": json(stored.repository), "sender": json(stored.sender), "status": .string(stored.status.rawValue),
                "state": .string(describeStatus(stored.status, nextAttemptAt: stored.nextAttemptAt)),
                "attempts": .int(Int64(stored.attempts)), "deaths": .int(Int64(stored.deaths)),
                "next_attempt_at": json(stored.nextAttemptAt), "error": json(stored.error), "received_at": .string(stored.receivedAt),
                "processed_at": json(stored.processedAt), "content_type": .string(stored.contentType),
                "body_bytes": .int(Int64(stored.body.count)), "secret_fingerprint": json(try queries.secretFingerprint(eventID: id)),
                "summary": stored.summary.flatMap { try? JSONParser.parse($0) } ?? .null,
            ]
            if global.json { print(value.jsonText) } else { printFields(value) }
        }
    }

    struct Reprocess: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the handlers again on stored events, now, in this process; prints each new status.",
            discussion: "Works on any event, a given-up one included. The event runner retries failed events by itself on its schedule; this is for an event given up, or to retry at once.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Event ids or delivery GUIDs.") var events: [String] = []
        @Flag(help: "Every failed event (retrying or given up).") var failed = false
        @Flag(help: "Every pending event.") var pending = false

        func validate() throws {
            guard !events.isEmpty || failed || pending else { throw ValidationError("name events, or use --failed or --pending") }
        }

        func run() throws {
            let configuration = try global.configuration()
            let database = try Database(configuration: configuration)
            let queries = EventQueries(database: database)
            var ids: [Int64] = []
            for event in events {
                guard let id = try queries.eventID(idOrDeliveryID: event) else { throw CommandFailure("no event with id or delivery id \(event)") }
                ids.append(id)
            }
            if failed { ids += try queries.eventIDs(status: .failed) }
            if pending { ids += try queries.eventIDs(status: .pending) }
            let services = Services(configuration: configuration, logger: Logger(program: "hubsync", minimumLevel: .error))
            let processor = EventProcessor(services: services)
            let store = try EventStore(database: database)
            var results: [JSONValue] = []
            for id in ids {
                guard let stored = try store.event(id: id) else { continue }
                let before = stored.status
                _ = processor.reprocess(stored)
                let after = try store.event(id: id)
                let status = after?.status.rawValue ?? "gone"
                results.append(["id": .int(id), "delivery_id": .string(stored.deliveryID), "event": .string(stored.event),
                                "previous_status": .string(before.rawValue), "status": .string(status), "error": json(after?.error)])
                if !global.json {
                    print(terminalSafe("\(id) \(stored.event) \(stored.deliveryID): \(before.rawValue) -> \(status)" + (after?.error.map { " (\($0))" } ?? "")))
                }
            }
            if global.json { printJSON(results) } else if ids.isEmpty { print("nothing to reprocess") }
            if results.contains(where: { $0["status"]?.stringValue == "failed" }) { throw ExitCode.failure }
        }
    }

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete old processed and skipped events (never failed or pending ones unless asked) and reclaim the space.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Events received longer ago than this: 90d, 12w, 24h.") var olderThan: String
        @Flag(help: "Count only; delete nothing.") var dryRun = false
        @Flag(help: "Delete failed and pending events too.") var includeFailed = false

        func validate() throws {
            guard TimeArgument.seconds(olderThan) != nil else { throw ValidationError("--older-than must be a span such as 90d, not \(olderThan)") }
        }

        func run() throws {
            let database = try global.database()
            let queries = EventQueries(database: database)
            let cutoff = Timestamp.now().adding(seconds: -(TimeArgument.seconds(olderThan) ?? 0))
            let statuses: [EventStatus] = includeFailed ? EventStatus.allCases : [.processed, .skipped]
            let sizeBefore = try queries.sizeInBytes()
            let count = try queries.prune(receivedBefore: cutoff, statuses: statuses, dryRun: dryRun)
            if !dryRun && count > 0 { try queries.reclaimSpace() }
            let sizeAfter = try queries.sizeInBytes()
            if global.json {
                print(JSONValue(dictionaryLiteral: ("received_before", .string(cutoff.iso8601)),
                                ("statuses", .array(statuses.map { .string($0.rawValue) })), ("dry_run", .bool(dryRun)),
                                ("events", .int(Int64(count))), ("bytes_before", .int(sizeBefore)), ("bytes_after", .int(sizeAfter))).jsonText)
            } else {
                let what = statuses.map(\.rawValue).joined(separator: ", ")
                print(dryRun ? "would delete \(count) events (\(what)) received before \(cutoff.iso8601)"
                             : "deleted \(count) events (\(what)) received before \(cutoff.iso8601); database \(sizeBefore) -> \(sizeAfter) bytes")
            }
        }
    }
}

extension EventStatus: ExpressibleByArgument {}

func listingJSON(_ event: EventListing) -> JSONValue {
    [
        "id": .int(event.id), "delivery_id": .string(event.deliveryID), "hook_id": .int(event.hookID), "event": .string(event.event),
        "action": json(event.action), "installation_id": json(event.installationID), "repository": json(event.repository),
        "sender": json(event.sender), "status": .string(event.status.rawValue), "attempts": .int(Int64(event.attempts)),
        "error": json(event.error), "received_at": .string(event.receivedAt), "processed_at": json(event.processedAt),
        "next_attempt_at": json(event.nextAttemptAt), "state": .string(event.statusDescription),
    ]
}
