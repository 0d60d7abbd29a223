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

/// `pull_request`: the summary, and the pull request's latest state for the mirror. Without a
/// repository or an `updated_at` there is nothing to key or order the state by: summary only.
@Sendable func handlePullRequest(_ event: WebhookEvent) throws(HandlerError) -> HandlerResult {
    let summary = try summarizePullRequest(event)
    let pullRequest = try event.payload.requiredObject("pull_request")
    guard let repository = event.payload["repository"]["full_name"]?.stringValue,
          let number = summary["number"]?.int64Value,
          let updatedAt = pullRequest.gitHubTime("updated_at")
    else { return HandlerResult(summary: summary) }
    let record = PullRequestRecord(
        repository: repository, number: number, title: pullRequest["title"]?.stringValue,
        state: pullRequest["state"]?.stringValue, isDraft: pullRequest["draft"]?.boolValue,
        isMerged: pullRequest["merged"]?.boolValue ?? false,
        mergedAt: pullRequest.gitHubTime("merged_at"),
        author: pullRequest["user"]["login"]?.stringValue,
        headRef: pullRequest["head"]["ref"]?.stringValue, headSHA: pullRequest["head"]["sha"]?.stringValue,
        baseRef: pullRequest["base"]["ref"]?.stringValue, baseSHA: pullRequest["base"]["sha"]?.stringValue,
        labels: (pullRequest["labels"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue },
        updatedAt: updatedAt)
    return HandlerResult(summary: summary, changes: [.pullRequest(record)])
}
