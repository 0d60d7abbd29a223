import Common

/// `ping` (docs/github-protocol.md, section 5): three shapes exist (App hooks carry only `zen`, `hook_id` and
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

/// `ping`: the summary, and which hook it was and which App it names. The hook id is `hook_id` or
/// `hook.id`; App hooks carry `hook.app_id`.
@Sendable func handlePing(_ event: WebhookEvent) throws(HandlerError) -> HandlerResult {
    let summary = try summarizePing(event)
    guard let hookID = event.payload["hook_id"]?.int64Value ?? event.payload["hook"]["id"]?.int64Value else {
        return HandlerResult(summary: summary)
    }
    let hook = HookRecord(hookID: hookID, hookType: event.payload["hook"]["type"]?.stringValue,
                          appID: event.payload["hook"]["app_id"]?.int64Value,
                          events: event.payload["hook"]["events"]?.arrayValue?.compactMap(\.stringValue))
    return HandlerResult(summary: summary, changes: [.hook(hook)])
}
