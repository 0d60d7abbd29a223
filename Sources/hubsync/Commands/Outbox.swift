import ArgumentParser
import Common

/// `hubsync outbox`: the items actions were queued for, one per matching delivery and action.
struct Outbox: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The outbox: what each action was queued to do, and what became of it.",
        subcommands: [List.self, Show.self, Retry.self, Cancel.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest items first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only items of this status: pending, retrying, done, dead or cancelled.") var status: String?
        @Option(help: "Only items of this action (its file's name without .action).") var action: String?
        @Option(help: "At most this many items.") var limit = 50

        func validate() throws {
            if let status, OutboxStatus(rawValue: status) == nil {
                throw ValidationError("--status must be one of \(OutboxStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 100000") }
        }

        func run() throws {
            let items = try OutboxStore(database: global.database())
                .list(status: status.flatMap(OutboxStatus.init(rawValue:)), action: action, limit: limit)
            if global.json {
                printJSON(items.map(itemJSON))
            } else {
                print(textTable(["ID", "DELIVERY", "EVENT", "ACTION", "STATUS", "ATTEMPTS", "NEXT TRY", "LAST RESULT"], items.map { item in
                    [String(item.id), item.deliveryID, item.event + (item.eventAction.map { "." + $0 } ?? ""), item.action,
                     item.status.rawValue, String(item.attempts), item.nextAttemptAt.map { String($0.prefix(19)) } ?? "-",
                     String((item.lastResult ?? "").prefix(60))].map(terminalSafe)
                }))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One item, all fields, and each of its finished tries.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The item's id (the ID column of `outbox list`).") var id: Int64

        func run() throws {
            let store = try OutboxStore(database: global.database())
            guard let item = try store.item(id: id) else { throw CommandFailure("no outbox item \(id)") }
            let tries = try store.attemptHistory(itemIDs: [id])[id] ?? []
            guard !global.json else {
                guard case .object(let fields) = itemJSON(item) else { return }
                let history: JSONValue = .array(tries.map { attempt in
                    ["started_at": json(attempt.startedAt), "finished_at": .string(attempt.finishedAt),
                     "succeeded": .bool(attempt.succeeded), "result": .string(attempt.result)]
                })
                return print(JSONValue.object(JSONObject(fields.members + [("tries", history)])).jsonText)
            }
            printFields(itemJSON(item))
            for (number, attempt) in tries.enumerated() {
                print("try \(number + 1): \(attempt.startedAt ?? "?") to \(attempt.finishedAt), \(attempt.succeeded ? "done" : "failed"): \(terminalSafe(attempt.result))")
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run dead, cancelled or retrying items again now, from the start of their schedule.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Item ids.") var ids: [Int64]

        func run() throws {
            let changed = try OutboxStore(database: global.database()).retry(ids: ids)
            printProgress("\(changed) of \(ids.count) item(s) queued again", json: global.json)
            if global.json { print((["requeued": .int(Int64(changed))] as JSONValue).jsonText) }
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Never run these pending or retrying items.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Item ids.") var ids: [Int64]

        func run() throws {
            let changed = try OutboxStore(database: global.database()).cancel(ids: ids, at: .now())
            printProgress("\(changed) of \(ids.count) item(s) cancelled", json: global.json)
            if global.json { print((["cancelled": .int(Int64(changed))] as JSONValue).jsonText) }
        }
    }
}

private func itemJSON(_ item: OutboxItem) -> JSONValue {
    [
        "id": .int(item.id), "event_id": .int(item.eventID), "delivery_id": .string(item.deliveryID), "event": .string(item.event),
        "event_action": json(item.eventAction), "repository": json(item.repository), "action": .string(item.action),
        "action_version": .int(item.actionVersionID), "status": .string(item.status.rawValue), "attempts": .int(Int64(item.attempts)),
        "next_attempt_at": json(item.nextAttemptAt), "attempt_started_at": json(item.attemptStartedAt),
        "last_result": json(item.lastResult), "created_at": .string(item.createdAt), "finished_at": json(item.finishedAt),
    ]
}
