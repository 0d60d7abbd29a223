import Common

/// `pull_request`: a merge is `closed` with `merged: true` (docs/github-protocol.md, section 14).
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

/// `pull_request`: the summary, and the pull request's latest state for the mirror. Without a
/// repository or an `updated_at` there is nothing to key or order the state by: summary only.
@Sendable func handlePullRequest(_ event: WebhookEvent) throws(HandlerError) -> HandlerResult {
    let summary = try summarizePullRequest(event)
    let pullRequest = try event.payload.requiredObject("pull_request")
    guard let repository = event.payload["repository"]["full_name"]?.stringValue,
          let record = try PullRequestRecord(gitHub: pullRequest, repository: repository, number: summary["number"]?.int64Value)
    else { return HandlerResult(summary: summary) }
    return HandlerResult(summary: summary, changes: [.pullRequest(record)])
}
