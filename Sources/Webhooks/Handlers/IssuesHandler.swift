import Common

/// `issues`: some examples (`pinned`) carry an issue without `state` (docs/github-protocol.md, section 14).
@Sendable func summarizeIssues(_ event: WebhookEvent) throws(HandlerError) -> JSONValue {
    let issue = try event.payload.requiredObject("issue")
    return [
        "number": .int(try issue.requiredInt("number")),
        "action": event.action.map { .string($0) } ?? .null,
        "title": issue.optional("title"),
        "state": issue.optional("state"),
    ]
}

/// `issues`: the summary, and the issue's latest state for the mirror. `deleted` leaves a tombstone;
/// `transferred` (sent for the source repository, with `changes.new_issue` and
/// `changes.new_repository`) tombstones the source and says where it went; the destination receives
/// its own `opened` (docs/github-protocol.md, section 14).
@Sendable func handleIssues(_ event: WebhookEvent) throws(HandlerError) -> HandlerResult {
    let summary = try summarizeIssues(event)
    let issue = try event.payload.requiredObject("issue")
    guard let repository = event.payload["repository"]["full_name"]?.stringValue else { return HandlerResult(summary: summary) }
    var transferredTo: String?
    if event.action == "transferred", let destination = event.payload["changes"]["new_repository"]["full_name"]?.stringValue,
       let newNumber = event.payload["changes"]["new_issue"]["number"]?.int64Value {
        transferredTo = "\(destination)#\(newNumber)"
    }
    guard let record = try IssueRecord(gitHub: issue, repository: repository,
                                   isDeleted: event.action == "deleted" || event.action == "transferred",
                                   transferredTo: transferredTo)
    else { return HandlerResult(summary: summary) }
    return HandlerResult(summary: summary, changes: [.issue(record)])
}
