import Common

/// `ping` (GITHUB.md, section 5): three shapes exist (App hooks carry only `zen`, `hook_id` and
/// `hook`; repository and organization hooks add `repository`, `organization`, `sender`).
@Sendable func summarizePing(_ event: WebhookEvent) throws(HandlerError) -> JSONValue {
    let payload = event.payload
    return [
        "zen": payload.optional("zen"),
        "hook_id": payload["hook_id"]?.value ?? payload.optional("hook", "id"),
        "hook_type": payload.optional("hook", "type"),
        "app_id": payload.optional("hook", "app_id"),
    ]
}
