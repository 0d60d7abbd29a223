import Testing
@testable import Common
@testable import Webhooks

@Suite struct WorkflowRunMirrorTests {
    func payload(action: String, status: String, conclusion: String?, attempt: Int, updatedAt: String) -> [UInt8] {
        let value: JSONValue = [
            "action": .string(action),
            "workflow_run": [
                "id": 30433642, "name": "Build", "event": "push", "status": .string(status),
                "conclusion": conclusion.map { .string($0) } ?? .null, "head_branch": "main", "head_sha": "acb5820ced9479c074f688cc328bf03f341a511d",
                "run_attempt": .int(Int64(attempt)), "updated_at": .string(updatedAt),
            ],
            "repository": ["full_name": "octo/hello"], "sender": ["login": "octocat"],
        ]
        return Array(value.jsonText.utf8)
    }

    /// Attempt 1 fails; a re-run succeeds. The re-run's clock reads *earlier* than attempt 1's
    /// completion (skew), so only ordering by attempt first gets it right.
    var rerun: [[UInt8]] {
        [
            payload(action: "requested", status: "queued", conclusion: nil, attempt: 1, updatedAt: "2026-11-26T10:00:00Z"),
            payload(action: "in_progress", status: "in_progress", conclusion: nil, attempt: 1, updatedAt: "2026-11-26T10:01:00Z"),
            payload(action: "completed", status: "completed", conclusion: "failure", attempt: 1, updatedAt: "2026-11-26T10:09:00Z"),
            payload(action: "requested", status: "queued", conclusion: nil, attempt: 2, updatedAt: "2026-11-26T10:08:00Z"),
            payload(action: "completed", status: "completed", conclusion: "success", attempt: 2, updatedAt: "2026-11-26T10:12:00Z"),
        ]
    }

    func deliver(_ bodies: [[UInt8]]) throws -> WorkflowRunRecord? {
        try mirrorAfterDelivering(event: "workflow_run", bodies) { try $0.workflowRun(id: 30433642) }
    }

    @Test func everyArrivalOrderOfAReRunEndsInTheInOrderState() throws {
        let expected = try #require(try deliver(rerun))
        #expect(expected.runAttempt == 2 && expected.status == "completed" && expected.conclusion == "success")
        for order in permutations(Array(0..<rerun.count)) {
            #expect(try deliver(order.map { rerun[$0] }) == expected, "order \(order)")
        }
    }

    @Test func aReRunOutranksAnOlderAttemptWhateverItsClock() throws {
        #expect(try deliver([rerun[3], rerun[2]])?.runAttempt == 2)
        #expect(try deliver([rerun[3], rerun[2]])?.status == "queued")
    }

    @Test func theHandlerReadsGitHubsExample() throws {
        let body = try examplePayload("workflow_run/completed.payload.json")
        let result = try handleWorkflowRun(WebhookEvent(name: "workflow_run", deliveryID: "d", payload: JSONDocument(parsing: body).root))
        guard case .workflowRun(let run) = try #require(result.changes.first) else { Issue.record("no run"); return }
        #expect(run.conclusion == "success" && run.branch == "master" && run.runAttempt == 1)
    }
}
