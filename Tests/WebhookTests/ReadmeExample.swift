// The README's "Adding custom event handlers" example: everything after the marker line below is
// shown there verbatim (in Sources/Webhooks the file would start with `import Common` alone).
@testable import Webhooks
import Common
// README example begins
/// `star`: who starred or unstarred which repository, and its new count.
@Sendable func handleStar(_ event: WebhookEvent) throws(HandlerError) -> HandlerResult {
    let repository = try event.payload.requiredString("repository", "full_name")
    return HandlerResult(summary: [
        "repository": .string(repository),
        "action": event.action.map { .string($0) } ?? .null,
        "by": event.payload.optional("sender", "login"),
        "stargazers": event.payload.optional("repository", "stargazers_count"),
    ])
}
