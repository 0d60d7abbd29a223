/// Reads `NAME.action` files: the `KEY=value` format of `hubsync.env` (EnvFile), one action per
/// file. Every mistake is refused with the file, the line and the reason, since an action that
/// quietly does something else than its admin meant (an unknown key ignored, a schedule misread)
/// is worse than one that does not start.
///
/// Keys: `EVENTS` (required: comma-separated event names, or `*`), `ACTIONS`, `REPOSITORIES`
/// (`owner/name` globs), `BRANCHES` (branch globs), exactly one of `FORWARD_URL` and `COMMAND`, `FORWARD_SECRET` (required
/// with `FORWARD_URL`), `USE_SHELL`, `WITH_TOKEN` (yes or no), `TIMEOUT` and `RETRY_SCHEDULE`
/// (durations such as `30s`, `10m`, `1h`, `1d`), `CONCURRENCY` (1 to 64), `FORWARD_SIGNATURE`
/// (`github` or `standard-webhooks`).
public enum ActionFile {
    public static let fileExtension = ".action"
    static let knownKeys = ["EVENTS", "ACTIONS", "REPOSITORIES", "BRANCHES", "FORWARD_URL", "FORWARD_SECRET", "COMMAND", "USE_SHELL",
                            "WITH_TOKEN", "TIMEOUT", "RETRY_SCHEDULE", "CONCURRENCY", "FORWARD_SIGNATURE"]
    /// A forward secret as strong as the webhook secrets the project accepts for itself.
    static let minimumSecretBytes = 16
    static let maximumTimeoutSeconds = 3_600
    static let maximumRetries = 50
    static let maximumWaitSeconds = 7 * 86_400
    /// Each running item is a thread and a process or a connection of the dispatcher's.
    public static let maximumConcurrency = 64

    /// The action in `text`, read from `path`, named after the file.
    public static func parse(_ text: String, path: String) throws(ActionFileError) -> ActionDefinition {
        let name = actionName(path: path)
        guard isValidName(name) else {
            throw ActionFileError(path: path, line: nil, reason: "the name must be letters, digits, '-', '_' or '.' before .action")
        }
        let entries: [EnvFile.Entry]
        do {
            entries = try EnvFile.entries(text, path: path)
        } catch {
            if case .malformedLine(_, let line) = error { throw ActionFileError(path: path, line: line, reason: "expected KEY=value") }
            throw ActionFileError(path: path, line: nil, reason: error.description)
        }
        var values: [String: EnvFile.Entry] = [:]
        for entry in entries {
            guard knownKeys.contains(entry.key) else {
                throw ActionFileError(path: path, line: entry.line,
                                      reason: "unknown key \(entry.key) (known: \(knownKeys.joined(separator: ", ")))")
            }
            if let earlier = values[entry.key] {
                throw ActionFileError(path: path, line: entry.line, reason: "\(entry.key) is already set on line \(earlier.line)")
            }
            if let bad = entry.value.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                throw ActionFileError(path: path, line: entry.line,
                                      reason: "\(entry.key) holds a control character (U+\(String(bad.value, radix: 16, uppercase: true)))")
            }
            values[entry.key] = entry
        }
        func fail(_ key: String, _ reason: String) -> ActionFileError {
            ActionFileError(path: path, line: values[key]?.line, reason: "\(key): \(reason)")
        }

        guard let eventsEntry = values["EVENTS"] else {
            throw ActionFileError(path: path, line: nil, reason: "EVENTS is required (event names separated by commas, or *)")
        }
        let events: Set<String>?
        if eventsEntry.value.trimmingSpaces() == "*" {
            events = nil
        } else {
            let names = list(eventsEntry.value)
            guard !names.isEmpty else { throw fail("EVENTS", "no event named (use * for every event)") }
            if let bad = names.first(where: { !isEventName($0) }) {
                throw fail("EVENTS", "\"\(bad)\" is not an event name (lower case letters and _, as in pull_request)")
            }
            events = Set(names)
        }
        var actions: Set<String>?
        if let entry = values["ACTIONS"] {
            let names = list(entry.value)
            guard !names.isEmpty else { throw fail("ACTIONS", "empty (leave the key out to take every action)") }
            if let bad = names.first(where: { !isEventName($0) }) { throw fail("ACTIONS", "\"\(bad)\" is not an action name") }
            actions = Set(names)
        }
        let repositories = try patterns("REPOSITORIES", values, path: path, noun: "every repository", make: RepositoryGlob.init,
                                        refusal: "is not owner/name (wildcards * and ?)")
        let branches = try patterns("BRANCHES", values, path: path, noun: "every branch", make: BranchGlob.init,
                                    refusal: "is not a branch pattern (a name such as main, wildcards * and **; no ?, [ or leading !)")

        let target: ActionTarget
        var forwardSignature = ForwardSignature.github
        switch (values["FORWARD_URL"], values["COMMAND"]) {
        case (nil, nil):
            throw ActionFileError(path: path, line: nil, reason: "set FORWARD_URL (forward each delivery) or COMMAND (run a program)")
        case (.some, .some):
            throw fail("COMMAND", "set FORWARD_URL or COMMAND, not both")
        case (.some(let url), nil):
            guard let origin = URLOrigin(url.value) else { throw fail("FORWARD_URL", "not an http(s) URL with a host (and no user name)") }
            guard origin.scheme == "https" || origin.isLoopback else {
                throw fail("FORWARD_URL", "plain http only to a loopback address; use https")
            }
            guard let secret = values["FORWARD_SECRET"]?.value else {
                throw fail("FORWARD_URL", "FORWARD_SECRET is required: the destination checks the signature with it")
            }
            for key in ["USE_SHELL", "WITH_TOKEN"] where values[key] != nil { throw fail(key, "applies to COMMAND only") }
            if let entry = values["FORWARD_SIGNATURE"] {
                guard let signature = ForwardSignature(rawValue: entry.value.trimmingSpaces()) else {
                    throw fail("FORWARD_SIGNATURE", "github or standard-webhooks (got \"\(entry.value)\")")
                }
                forwardSignature = signature
            }
            switch forwardSignature {
            case .github:
                guard secret.utf8.count >= minimumSecretBytes else { throw fail("FORWARD_SECRET", "at least \(minimumSecretBytes) bytes") }
                target = .forward(url: url.value, secret: Array(secret.utf8))
            case .standardWebhooks:
                guard let key = StandardWebhookSignature.key(fromSecret: secret) else {
                    throw fail("FORWARD_SECRET", "with standard-webhooks, whsec_ then the base64 of 24 to 64 bytes (as the receiver shows it)")
                }
                target = .forward(url: url.value, secret: key)
            }
        case (nil, .some(let command)):
            for key in ["FORWARD_SECRET", "FORWARD_SIGNATURE"] where values[key] != nil { throw fail(key, "applies to FORWARD_URL only") }
            let usesShell = try flag("USE_SHELL", values, path: path) ?? false
            if usesShell {
                guard !command.value.trimmingSpaces().isEmpty else { throw fail("COMMAND", "empty") }
                target = .command(arguments: ["/bin/sh", "-c", command.value])
            } else {
                let words: [String]
                switch CommandWords.split(command.value) {
                case .success(let split): words = split
                case .failure(let problem): throw fail("COMMAND", problem.reason)
                }
                guard let program = words.first else { throw fail("COMMAND", "empty") }
                guard program.hasPrefix("/") else {
                    throw fail("COMMAND", "the program must be an absolute path (\(program)): no PATH lookup, no shell unless USE_SHELL=yes")
                }
                target = .command(arguments: words)
            }
        }
        let withToken = try flag("WITH_TOKEN", values, path: path) ?? false

        var timeout = ActionDefinition.defaultTimeoutSeconds
        if let entry = values["TIMEOUT"] {
            guard let seconds = seconds(entry.value), seconds >= 1, seconds <= maximumTimeoutSeconds else {
                throw fail("TIMEOUT", "a duration from 1s to 1h, such as 30s or 5m (got \"\(entry.value)\")")
            }
            timeout = seconds
        }
        var schedule = ActionDefinition.defaultRetrySchedule
        if let entry = values["RETRY_SCHEDULE"] {
            let items = list(entry.value)
            if entry.value.trimmingSpaces() == "none" {
                schedule = []
            } else {
                guard !items.isEmpty, items.count <= maximumRetries else {
                    throw fail("RETRY_SCHEDULE", "waits between tries such as 10s,1m,10m,1h (at most \(maximumRetries)), or none")
                }
                schedule = []
                for item in items {
                    guard let seconds = seconds(item), seconds >= 1, seconds <= maximumWaitSeconds else {
                        throw fail("RETRY_SCHEDULE", "\"\(item)\" is not a wait from 1s to 7d")
                    }
                    schedule.append(seconds)
                }
            }
        }
        var concurrency = 1
        if let entry = values["CONCURRENCY"] {
            guard let number = Int(entry.value.trimmingSpaces()), (1...maximumConcurrency).contains(number) else {
                throw fail("CONCURRENCY", "a number from 1 to \(maximumConcurrency) (got \"\(entry.value)\")")
            }
            concurrency = number
        }
        return ActionDefinition(name: name, events: events, actions: actions, repositories: repositories, branches: branches, target: target,
                                timeoutSeconds: timeout, retrySchedule: schedule, withToken: withToken, concurrency: concurrency,
                                forwardSignature: forwardSignature, source: Array(text.utf8))
    }

    /// `deploy.action` -> `deploy`.
    public static func actionName(path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return file.hasSuffix(fileExtension) ? String(file.dropLast(fileExtension.count)) : file
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 100 && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { $0.isASCII && (isAlphanumeric($0) || $0 == "-" || $0 == "_" || $0 == ".") }
    }

    private static func isEventName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 100
            && name.unicodeScalars.allSatisfy { ($0 >= "a" && $0 <= "z") || $0 == "_" || ($0 >= "0" && $0 <= "9") }
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
    }

    /// `30s`, `10m`, `1h`, `1d` in seconds (TimeArgument's units).
    private static func seconds(_ text: String) -> Int? {
        TimeArgument.seconds(text.trimmingSpaces()).flatMap { Int(exactly: $0) }
    }

    /// `a, b ,c` -> [a, b, c]; empty items dropped.
    private static func list(_ value: String) -> [String] {
        value.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
    }

    /// The patterns of a list key (REPOSITORIES, BRANCHES); nil when the key is absent.
    private static func patterns<Pattern>(_ key: String, _ values: [String: EnvFile.Entry], path: String, noun: String,
                                          make: (String) -> Pattern?, refusal: String) throws(ActionFileError) -> [Pattern]? {
        guard let entry = values[key] else { return nil }
        let items = list(entry.value)
        guard !items.isEmpty else {
            throw ActionFileError(path: path, line: entry.line, reason: "\(key): empty (leave the key out to take \(noun))")
        }
        var result: [Pattern] = []
        for item in items {
            guard let pattern = make(item) else {
                throw ActionFileError(path: path, line: entry.line, reason: "\(key): \"\(item)\" \(refusal)")
            }
            result.append(pattern)
        }
        return result
    }

    private static func flag(_ key: String, _ values: [String: EnvFile.Entry], path: String) throws(ActionFileError) -> Bool? {
        guard let entry = values[key] else { return nil }
        switch entry.value.lowercased() {
        case "yes", "true", "1": return true
        case "no", "false", "0": return false
        default: throw ActionFileError(path: path, line: entry.line, reason: "\(key): yes or no (got \"\(entry.value)\")")
        }
    }
}

/// A refused action file: where and why.
public struct ActionFileError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var reason: String

    public var description: String { line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)" }
}
