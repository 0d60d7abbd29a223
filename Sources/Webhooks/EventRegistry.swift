import Common

/// What a handler makes of an event: the summary stored beside it and the changes to the mirror
/// tables, which the writer applies in the transaction that records the outcome.
public struct HandlerResult: Sendable, Equatable {
    public var summary: JSONValue
    public var changes: [MirrorChange]
    /// An action the handler does not act on (GitHub adds actions at any time): stored as `skipped`.
    public var isSkipped: Bool

    public init(summary: JSONValue, changes: [MirrorChange] = [], isSkipped: Bool = false) {
        self.summary = summary
        self.changes = changes
        self.isSkipped = isSkipped
    }
}

/// A handler turns an event into its result. It is a plain function, so a unit test calls it with
/// a parsed payload and nothing else; it touches no database.
public typealias EventHandler = @Sendable (WebhookEvent) throws(HandlerError) -> HandlerResult

/// To add a handler: one new file in Handlers/ and one line here. Events not listed are stored and
/// marked `skipped`.
public let eventHandlers: [String: EventHandler] = [
    "ping": handlePing,
    "push": handlePush,
    "pull_request": handlePullRequest,
    "issues": handleIssues,
    "workflow_run": handleWorkflowRun,
    "installation": handleInstallation,
    "installation_repositories": handleInstallationRepositories,
]
