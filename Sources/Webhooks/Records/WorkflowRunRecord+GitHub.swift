import Common

extension WorkflowRunRecord {
    /// A workflow run object as GitHub sends it, in a `workflow_run` webhook or from
    /// `GET /repos/{owner}/{repo}/actions/runs`. `conclusion` is null until completed and
    /// `head_branch` may be null; a run without `run_attempt` is its first attempt.
    public init?(gitHub run: JSONNode, repository: String) throws(HandlerError) {
        guard let runID = run["id"]?.int64Value, let updatedAt = try run.gitHubTime("updated_at", in: "workflow_run") else { return nil }
        self.init(
            runID: runID, repository: repository, name: run["name"]?.stringValue, event: run["event"]?.stringValue,
            status: run["status"]?.stringValue, conclusion: run["conclusion"]?.stringValue, branch: run["head_branch"]?.stringValue,
            headSHA: run["head_sha"]?.stringValue, runAttempt: run["run_attempt"]?.int64Value ?? 1, updatedAt: updatedAt)
    }
}
