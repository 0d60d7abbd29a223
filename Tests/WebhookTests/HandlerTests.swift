import Glibc
import Testing
@testable import Common
@testable import Webhooks

/// Each handler on GitHub's own example payloads (Tests/Fixtures/payloads), called as a plain function.
@Suite struct HandlerTests {
    func event(_ name: String, _ file: String) throws -> WebhookEvent {
        WebhookEvent(name: name, deliveryID: "d", payload: try JSONDocument(parsing: try examplePayload(file)).root)
    }

    @Test func pushSummary() throws {
        let summary = try summarizePush(try event("push", "push/payload.json"))
        #expect(summary["ref"] == "refs/tags/simple-tag")
        #expect(summary["ref_type"] == "tag")
        #expect(summary["name"] == "simple-tag")
        #expect(summary["after"] == "0000000000000000000000000000000000000000")
        #expect(summary["deleted"] == true)
        #expect(summary["commit_count"] == 0)
        #expect(summary["head_commit"] == .null)
        #expect(summary["pusher"] == "Codertocat")
    }

    @Test func pushOfABranchWithCommits() throws {
        let payload: JSONValue = [
            "ref": "refs/heads/main", "before": "a", "after": "b", "created": false, "deleted": false, "forced": true,
            "commits": [["id": "b", "message": "Fix it\n\nLong body"], ["id": "c", "message": "x"]],
            "head_commit": ["id": "b", "message": "Fix it\n\nLong body"], "pusher": ["name": "octo", "email": .null],
        ]
        let summary = try summarizePush(WebhookEvent(name: "push", deliveryID: "d", payload: parsed(payload)))
        #expect(summary["ref_type"] == "branch")
        #expect(summary["name"] == "main")
        #expect(summary["commit_count"] == 2)
        #expect(summary["forced"] == true)
        #expect(summary["head_commit"] == ["id": "b", "message": "Fix it"])
    }

    @Test func theSubjectLineEndsAtAnyLineBreak() {
        #expect(firstLine("Fix it\r\n\r\nBody") == "Fix it")
        #expect(firstLine("Only line") == "Only line")
        #expect(firstLine(String(repeating: "x", count: 300)).count == 201)
    }

    @Test func pushWithoutRefFails() {
        #expect(throws: HandlerError.missingField("ref")) {
            try summarizePush(WebhookEvent(name: "push", deliveryID: "d", payload: parsed(["after": "x"])))
        }
    }

    @Test func pullRequestSummary() throws {
        let summary = try summarizePullRequest(try event("pull_request", "pull_request/closed.payload.json"))
        #expect(summary["number"] == 2)
        #expect(summary["action"] == "closed")
        #expect(summary["title"] == "Update the README with new information.")
        #expect(summary["state"] == "closed")
        #expect(summary["merged"] == false)
    }

    @Test func issuesSummary() throws {
        let summary = try summarizeIssues(try event("issues", "issues/opened.payload.json"))
        #expect(summary["number"] == 1)
        #expect(summary["action"] == "opened")
        #expect(summary["title"] == "Spelling error in the README file")
        #expect(summary["state"] == "open")
        // The `pinned` example's issue has no state: reported as null, not a failure.
        let pinned = try summarizeIssues(try event("issues", "issues/pinned.payload.json"))
        #expect(pinned["state"] == .null)
    }

    @Test func workflowRunSummary() throws {
        let summary = try summarizeWorkflowRun(try event("workflow_run", "workflow_run/completed.payload.json"))
        #expect(summary["action"] == "completed")
        #expect(summary["status"] == "completed")
        #expect(summary["conclusion"] == "success")
        #expect(summary["branch"] == "master")
        #expect(summary["name"] == "")  // names can be empty (docs/github-protocol.md, section 14)
        #expect(summary["run_attempt"] == 1)
    }

    @Test(arguments: ["ping/payload.json", "ping/with-app_id.payload.json", "ping/with-organization.payload.json"])
    func pingSummaryForEveryShape(file: String) throws {
        let summary = try summarizePing(try event("ping", file))
        #expect(summary["hook_id"]?.int64Value != nil)
        #expect(summary["zen"]?.stringValue != nil)
    }

    @Test func pingNamesTheAppID() throws {
        #expect(try summarizePing(try event("ping", "ping/with-app_id.payload.json"))["app_id"]?.int64Value != nil)
    }

    @Test func unknownEventsAreSkippedAndHandlerErrorsFail() {
        let skipped = EventProcessor.outcome(of: WebhookEvent(name: "star", deliveryID: "d", payload: parsed([:])))
        #expect(skipped.status == .skipped && skipped.handlerTiming == nil, "no handler ran, so none is timed")
        let failed = EventProcessor.outcome(of: WebhookEvent(name: "issues", deliveryID: "d", payload: parsed(["action": "opened"])))
        #expect(failed == EventOutcome(status: .failed, error: "payload has no issue"))
        #expect(failed.handlerTiming?.event == "issues" && (0..<1_000_000).contains(failed.handlerTiming?.microseconds ?? -1))
    }

    @Test func everyExamplePayloadOfAHandledEventIsSummarized() throws {
        for (event, folder) in [("push", "push"), ("pull_request", "pull_request"), ("issues", "issues"),
                                ("workflow_run", "workflow_run"), ("ping", "ping")] {
            for file in try listJSONFiles(payloadsDirectory + "/" + folder) {
                let outcome = EventProcessor.outcome(of: try self.event(event, folder + "/" + file))
                #expect(outcome.status == .processed, "\(folder)/\(file): \(outcome.error ?? "")")
            }
        }
    }
}

