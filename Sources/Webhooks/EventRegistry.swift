import Common

/// A handler turns an event into the summary stored beside it. It is a plain function, so a unit
/// test calls it with a parsed payload and nothing else.
public typealias EventHandler = @Sendable (WebhookEvent) throws(HandlerError) -> JSONValue

/// To add a handler: one new file in Handlers/ and one line here. Events not listed are stored and
/// marked `skipped`.
public let eventHandlers: [String: EventHandler] = [
    "ping": summarizePing,
    "push": summarizePush,
    "pull_request": summarizePullRequest,
    "issues": summarizeIssues,
    "workflow_run": summarizeWorkflowRun,
]
