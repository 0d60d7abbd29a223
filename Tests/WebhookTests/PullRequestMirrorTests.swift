import Testing
@testable import Common
@testable import Webhooks

/// The pull-request mirror: correct whatever the order GitHub delivers in (docs/github-protocol.md, section 3).
@Suite struct PullRequestMirrorTests {
    /// A pull_request delivery body as GitHub shapes it (only the fields the mirror reads, plus context).
    func payload(action: String, title: String, state: String = "open", draft: Bool = false, merged: Bool = false,
                 labels: [String] = [], headSHA: String, updatedAt: String) -> [UInt8] {
        let value: JSONValue = [
            "action": .string(action), "number": 7,
            "pull_request": [
                "number": 7, "title": .string(title), "state": .string(state), "draft": .bool(draft), "merged": .bool(merged),
                "merged_at": merged ? .string(updatedAt) : .null, "user": ["login": "octocat"],
                "head": ["ref": "feature", "sha": .string(headSHA)], "base": ["ref": "main", "sha": "b000"],
                "labels": .array(labels.map { ["name": .string($0)] }), "updated_at": .string(updatedAt),
            ],
            "repository": ["full_name": "octo/hello"], "sender": ["login": "octocat"],
        ]
        return Array(value.jsonText.utf8)
    }

    /// A realistic life: opened, labeled, new commits pushed, merged; distinct `updated_at` each.
    var lifecycle: [[UInt8]] {
        [
            payload(action: "opened", title: "Add mirror", draft: true, headSHA: "a001", updatedAt: "2026-11-26T10:00:00Z"),
            payload(action: "labeled", title: "Add mirror", draft: true, labels: ["sync"], headSHA: "a001", updatedAt: "2026-11-26T10:05:00Z"),
            payload(action: "synchronize", title: "Add the mirror", labels: ["sync"], headSHA: "a002", updatedAt: "2026-11-26T10:09:30Z"),
            payload(action: "closed", title: "Add the mirror", state: "closed", merged: true, labels: ["sync"], headSHA: "a002",
                    updatedAt: "2026-11-26T11:00:00-00:00"),
        ]
    }

    func deliver(_ bodies: [[UInt8]]) throws -> PullRequestRecord? {
        try mirrorAfterDelivering(event: "pull_request", bodies) { try $0.pullRequest(repository: "octo/hello", number: 7) }
    }

    @Test func theHandlerReadsGitHubsExample() throws {
        let body = try examplePayload("pull_request/opened.payload.json")
        let result = try handlePullRequest(WebhookEvent(name: "pull_request", deliveryID: "d", payload: JSONDocument(parsing: body).root))
        guard case .pullRequest(let record) = try #require(result.changes.first) else { return }
        #expect(record.repository == "Codertocat/Hello-World")
        #expect(record.number == 2)
        #expect(record.state == "open")
        #expect(record.author == "Codertocat")
        #expect(record.baseRef == "master")
        #expect(record.updatedAt == "2019-05-15T15:20:33.000Z")
        #expect(!record.isMerged)
    }

    /// Every one of the 24 arrival orders ends in the state in-order delivery ends in.
    @Test func everyArrivalOrderEndsInTheInOrderState() throws {
        let expected = try #require(try deliver(lifecycle))
        #expect(expected.state == "closed" && expected.isMerged && expected.title == "Add the mirror")
        #expect(expected.headSHA == "a002" && expected.labels == ["sync"] && expected.isDraft == false)
        #expect(expected.updatedAt == "2026-11-26T11:00:00.000Z")
        for order in permutations(Array(0..<lifecycle.count)) {
            #expect(try deliver(order.map { lifecycle[$0] }) == expected, "order \(order)")
        }
    }

    /// Equal `updated_at` (common in GitHub's own examples): the delivery received later wins.
    @Test func onATieTheDeliveryReceivedLaterWins() throws {
        let ready = payload(action: "ready_for_review", title: "Ready", headSHA: "c1", updatedAt: "2026-11-26T12:00:00Z")
        let closed = payload(action: "closed", title: "Closed", state: "closed", headSHA: "c1", updatedAt: "2026-11-26T12:00:00Z")
        #expect(try deliver([ready, closed])?.title == "Closed")
        #expect(try deliver([closed, ready])?.title == "Ready")
    }

    @Test func aLateOlderDeliveryDoesNotOverwriteNewerState() throws {
        let record = try deliver([lifecycle[3], lifecycle[0]])
        #expect(record?.state == "closed")
        #expect(record?.isMerged == true)
    }

    /// Handling one delivery twice (a redelivery of a failed event, a reprocess) changes nothing.
    @Test func handlingTheSameDeliveryTwiceChangesNothing() throws {
        let directory = try TemporaryDirectory()
        let services = makeServices(in: directory)
        let intake = WebhookIntake(services: services)
        let first = try #require(try intake.receive(delivery(event: "pull_request", body: lifecycle[1], id: "x")).eventToProcess)
        EventProcessor(services: services).process(id: first.id, first.event)
        let second = try #require(try intake.receive(delivery(event: "pull_request", body: lifecycle[2], id: "y")).eventToProcess)
        EventProcessor(services: services).process(id: second.id, second.event)
        let before = try MirrorStore(connection: committedStore(services).connection).pullRequest(repository: "octo/hello", number: 7)
        EventProcessor(services: services).process(id: second.id, second.event)  // the newer one, again
        EventProcessor(services: services).process(id: first.id, first.event)  // then the older one, again
        let after = try MirrorStore(connection: committedStore(services).connection).pullRequest(repository: "octo/hello", number: 7)
        #expect(before == after)
        #expect(after?.headSHA == "a002")
    }
}

func permutations<T>(_ items: [T]) -> [[T]] {
    guard items.count > 1 else { return [items] }
    return items.indices.flatMap { index -> [[T]] in
        var rest = items
        let head = rest.remove(at: index)
        return permutations(rest).map { [head] + $0 }
    }
}
