import Testing
@testable import Common
@testable import Webhooks

@Suite struct IssueMirrorTests {
    func payload(action: String, state: String? = "open", reason: String? = nil, labels: [String]? = [],
                 updatedAt: String) -> [UInt8] {
        var issue: [(String, JSONValue)] = [("number", 3), ("title", "Mirror lags"), ("user", ["login": "octocat"]),
                                            ("assignees", [["login": "hubot"]]), ("updated_at", .string(updatedAt))]
        if let state { issue.append(("state", .string(state))); issue.append(("state_reason", reason.map { .string($0) } ?? .null)) }
        if let labels { issue.append(("labels", .array(labels.map { ["name": .string($0)] }))) }
        let value: JSONValue = ["action": .string(action), "issue": .object(JSONObject(issue.map { (key: $0.0, value: $0.1) })),
                                "repository": ["full_name": "octo/hello"], "sender": ["login": "octocat"]]
        return Array(value.jsonText.utf8)
    }

    /// Opened, labeled, closed, reopened, then deleted with the same updated_at as reopened (as in
    /// GitHub's own examples).
    var life: [[UInt8]] {
        [
            payload(action: "opened", updatedAt: "2026-11-26T09:00:00Z"),
            payload(action: "labeled", labels: ["bug"], updatedAt: "2026-11-26T09:10:00Z"),
            payload(action: "closed", state: "closed", reason: "completed", labels: ["bug"], updatedAt: "2026-11-26T09:20:00Z"),
            payload(action: "reopened", reason: "reopened", labels: ["bug"], updatedAt: "2026-11-26T09:30:00Z"),
            payload(action: "deleted", reason: "reopened", labels: ["bug"], updatedAt: "2026-11-26T09:30:00Z"),
        ]
    }

    func deliver(_ bodies: [[UInt8]], repository: String = "octo/hello", number: Int64 = 3) throws -> IssueRecord? {
        try mirrorAfterDelivering(event: "issues", bodies) { try $0.issue(repository: repository, number: number) }
    }

    @Test func everyArrivalOrderEndsDeletedAndADeletedIssueNeverComesBack() throws {
        let expected = try #require(try deliver(life))
        #expect(expected.isDeleted)
        #expect(expected.labels == ["bug"] && expected.assignees == ["hubot"] && expected.author == "octocat")
        for order in permutations(Array(0..<life.count)) {
            #expect(try deliver(order.map { life[$0] }) == expected, "order \(order)")
        }
    }

    @Test func aTransferTombstonesTheSourceAndSaysWhereItWent() throws {
        let body = try examplePayload("issues/transferred.payload.json")
        let record = try #require(try mirrorAfterDelivering(event: "issues", [body]) {
            try $0.issue(repository: "octo-org/octo-repo", number: 1)
        })
        #expect(record.isDeleted)
        #expect(record.transferredTo == "Codertocat/Hello-World#1")
    }

    /// The `pinned` example carries no state and no labels: what the mirror knew stays.
    @Test func aPayloadWithoutSomeFieldsKeepsWhatTheMirrorKnew() throws {
        let pinnedLike = payload(action: "pinned", state: nil, labels: nil, updatedAt: "2026-11-26T09:40:00Z")
        let record = try #require(try deliver([life[1], pinnedLike]))
        #expect(record.state == "open")
        #expect(record.labels == ["bug"])
        #expect(record.updatedAt == "2026-11-26T09:40:00.000Z")
        let pinned = try examplePayload("issues/pinned.payload.json")
        let pinnedEvent = WebhookEvent(name: "issues", deliveryID: "d", payload: try JSONDocument(parsing: pinned).root)
        #expect(EventProcessor.outcome(of: pinnedEvent).status == .processed)
    }
}
