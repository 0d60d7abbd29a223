import ArgumentParser
import ActionDispatch
import Glibc
import Common

/// `hubsync actions`: the action files of HUBSYNC_ACTIONS_DIR, as the programs read them.
struct Actions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The actions that forward events or run commands (HUBSYNC_ACTIONS_DIR/*.action).",
        subcommands: [List.self, Check.self, Test.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the actions, by name (never a forward secret).")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let directory = ActionDirectory.load(try global.configuration().actionsDirectory)
            if global.json {
                printJSON(directory.actions.map(actionJSON))
            } else {
                print(textTable(["NAME", "EVENTS", "ACTIONS", "REPOSITORIES", "BRANCHES", "DOES", "TIMEOUT", "RETRIES"], directory.actions.map { action in
                    [action.name, action.events.map { $0.sorted().joined(separator: ",") } ?? "*",
                     action.actions.map { $0.sorted().joined(separator: ",") } ?? "*",
                     action.repositories.map { $0.map(\.pattern).joined(separator: ",") } ?? "*",
                     action.branches.map { $0.map(\.pattern).joined(separator: ",") } ?? "*",
                     terminalSafe(targetText(action)), "\(action.timeoutSeconds)s",
                     action.retrySchedule.isEmpty ? "none" : action.retrySchedule.map { "\($0)s" }.joined(separator: ",")]
                }))
            }
            for error in directory.errors { printError("hubsync: \(terminalSafe(error.description))") }
            if !directory.errors.isEmpty { throw ExitCode(1) }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read every action file; print each mistake with its file and line, and exit 1 if there is one.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let directory = ActionDirectory.load(try global.configuration().actionsDirectory)
            if global.json {
                let errors: [JSONValue] = directory.errors.map { error in
                    ["file": .string(error.path), "line": json(error.line.map(Int64.init)), "reason": .string(error.reason)]
                }
                let report: JSONValue = [
                    "directory": .string(directory.path), "actions": .array(directory.actions.map { .string($0.name) }),
                    "errors": .array(errors),
                ]
                print(report.jsonText)
            } else {
                for error in directory.errors { print(terminalSafe(error.description)) }
                print("\(directory.actions.count) action(s) ready, \(directory.errors.count) file(s) refused in \(terminalSafe(directory.path))")
            }
            if !directory.errors.isEmpty { throw ExitCode(1) }
        }
    }
}

extension Actions {
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run an action once, as its file is now, on a stored event (the outbox is not touched).",
            discussion: "Exits 0 when the try succeeded (a 2xx answer, exit 0), 1 otherwise; prints what happened either way.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The action's name (its file's name without .action).") var name: String
        @Argument(help: "The event's id (the ID column of `hubsync events list`).") var eventID: Int64

        func run() throws {
            let configuration = try global.configuration()
            let directory = ActionDirectory.load(configuration.actionsDirectory)
            if let error = directory.errors.first(where: { ActionFile.actionName(path: $0.path) == name }) {
                throw CommandFailure(error.description)
            }
            guard let action = directory.actions.first(where: { $0.name == name }) else {
                throw CommandFailure("no action \(name) in \(configuration.actionsDirectory)")
            }
            let database = try global.database()
            guard let event = try EventStore(database: database).event(id: eventID) else { throw CommandFailure("no event \(eventID)") }
            let work = OutboxWork(event: event, action: name)
            let environment = DispatchEnvironment(
                configuration: configuration, box: SecretBox(key: try KeyFile.existingSecretsKey(configuration)),
                logger: Logger(program: "hubsync", minimumLevel: .error),
                installationToken: configuration.appID == nil ? nil : installationTokens(configuration), version: BuildInfo.version)
            let result = ActionExecutor(environment: environment).run(action, on: work)
            if global.json {
                let report: JSONValue = ["action": .string(name), "event_id": .int(eventID), "succeeded": .bool(result.succeeded),
                                         "result": .string(result.summary)]
                print(report.jsonText)
            } else {
                print("\(result.succeeded ? "ok" : "failed"): \(terminalSafe(result.summary))")
            }
            if !result.succeeded { throw ExitCode(1) }
        }
    }
}

private func targetText(_ action: ActionDefinition) -> String {
    switch action.target {
    case .forward(let url, _): "forward to \(url)"
    case .command(let arguments): "run \(arguments.joined(separator: " "))" + (action.withToken ? " (with a token)" : "")
    }
}

private func actionJSON(_ action: ActionDefinition) -> JSONValue {
    var target: JSONValue
    switch action.target {
    case .forward(let url, _): target = ["forward_url": .string(url)]
    case .command(let arguments): target = ["command": .array(arguments.map { .string($0) }), "with_token": .bool(action.withToken)]
    }
    return [
        "name": .string(action.name),
        "events": action.events.map { .array($0.sorted().map { .string($0) }) } ?? .string("*"),
        "actions": action.actions.map { .array($0.sorted().map { .string($0) }) } ?? .null,
        "repositories": action.repositories.map { .array($0.map { .string($0.pattern) }) } ?? .null,
        "branches": action.branches.map { .array($0.map { .string($0.pattern) }) } ?? .null,
        "target": target, "timeout_seconds": .int(Int64(action.timeoutSeconds)), "concurrency": .int(Int64(action.concurrency)),
        "retry_schedule_seconds": .array(action.retrySchedule.map { .int(Int64($0)) }),
    ]
}
