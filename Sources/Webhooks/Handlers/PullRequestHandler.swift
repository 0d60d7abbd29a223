import Common

/// `pull_request`: a merge is `closed` with `merged: true` (GITHUB.md, section 14).
@Sendable func summarizePullRequest(_ event: WebhookEvent) throws(HandlerError) -> JSONValue {
    let pullRequest = try event.payload.requiredObject("pull_request")
    let number: Int64
    if let topLevel = event.payload["number"]?.int64Value { number = topLevel } else { number = try pullRequest.requiredInt("number") }
    return [
        "number": .int(number),
        "action": event.action.map { .string($0) } ?? .null,
        "title": pullRequest.optional("title"),
        "state": pullRequest.optional("state"),
        "merged": pullRequest["merged"]?.boolValue.map { .bool($0) } ?? .bool(false),
    ]
}
