import Common

/// `workflow_run`: `conclusion` is null until completed, `head_branch` may be null.
@Sendable func summarizeWorkflowRun(_ event: WebhookEvent) throws(HandlerError) -> JSONValue {
    let run = try event.payload.requiredObject("workflow_run")
    return [
        "id": run.optional("id"),
        "name": run.optional("name"),
        "action": event.action.map { .string($0) } ?? .null,
        "status": run.optional("status"),
        "conclusion": run.optional("conclusion"),
        "branch": run.optional("head_branch"),
        "run_attempt": run.optional("run_attempt"),
    ]
}
