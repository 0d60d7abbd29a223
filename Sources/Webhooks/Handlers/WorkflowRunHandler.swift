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

/// `workflow_run`: the summary, and the run's latest state for the mirror (keyed by the run id,
/// ordered by run attempt, then `updated_at`).
@Sendable func handleWorkflowRun(_ event: WebhookEvent) throws(HandlerError) -> HandlerResult {
    let summary = try summarizeWorkflowRun(event)
    let run = try event.payload.requiredObject("workflow_run")
    guard let repository = event.payload["repository"]["full_name"]?.stringValue,
          let record = try WorkflowRunRecord(gitHub: run, repository: repository)
    else { return HandlerResult(summary: summary) }
    return HandlerResult(summary: summary, changes: [.workflowRun(record)])
}
