import Common

/// Whether a payload fits the event its `X-GitHub-Event` header names. The signature covers the
/// body only, so a captured delivery can be sent again under another event name: an `issues` body
/// sent as `installation` with action `deleted` would mark the installation deleted. Each handled
/// event has a top-level member that only its payloads carry; a payload that carries another
/// handled event's member is not this event's (docs/github-protocol.md, section 14).
enum PayloadShape {
    static let distinctiveMembers: [(event: String, member: String)] = [
        ("pull_request", "pull_request"), ("issues", "issue"), ("workflow_run", "workflow_run"), ("push", "pusher"),
        ("installation_repositories", "repositories_added"), ("ping", "hook"),
    ]

    static func check(_ event: WebhookEvent) throws(HandlerError) {
        for (other, member) in distinctiveMembers where other != event.name && event.payload[member] != nil {
            throw .wrongShape(event: event.name, member: member)
        }
    }
}
