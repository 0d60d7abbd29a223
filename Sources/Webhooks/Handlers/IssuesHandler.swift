import Common

/// `issues`: some examples (`pinned`) carry an issue without `state` (GITHUB.md, section 14).
@Sendable func summarizeIssues(_ event: WebhookEvent) throws(HandlerError) -> JSONValue {
    let issue = try event.payload.requiredObject("issue")
    return [
        "number": .int(try issue.requiredInt("number")),
        "action": event.action.map { .string($0) } ?? .null,
        "title": issue.optional("title"),
        "state": issue.optional("state"),
    ]
}
