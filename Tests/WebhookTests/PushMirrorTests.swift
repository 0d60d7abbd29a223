import Testing
@testable import Common
@testable import Webhooks

@Suite struct PushMirrorTests {
    func push(after: String, pushedAt: Int64, commits: Int = 1) -> [UInt8] {
        let value: JSONValue = [
            "ref": "refs/heads/main", "before": "0000000000000000000000000000000000000001", "after": .string(after),
            "created": false, "deleted": false, "forced": false,
            "commits": .array((0..<commits).map { _ in ["id": .string(after), "message": "Work"] }),
            "head_commit": ["id": .string(after), "message": "Work\n\nDetails"], "pusher": ["name": "octocat", "email": .null],
            "repository": ["id": 186853002, "full_name": "octo/hello", "private": false, "pushed_at": .int(pushedAt)],
            "sender": ["login": "octocat"],
        ]
        return Array(value.jsonText.utf8)
    }

    @Test func gitHubsExampleATagDeletion() throws {
        let body = try examplePayload("push/payload.json")
        let (last, count) = try mirrorAfterDelivering(event: "push", [body]) {
            (try $0.lastPush(repositoryID: 186853002), try $0.pushCount(repository: "Codertocat/Hello-World"))
        }
        #expect(count == 1)
        #expect(last == LastPush(ref: "refs/tags/simple-tag", afterSHA: "0000000000000000000000000000000000000000",
                                 pusher: "Codertocat", pushedAt: "2019-05-15T15:20:57.000Z"))  // pushed_at 1557933657 (Unix seconds)
    }

    @Test func theLastPushIsTheLatestWhateverTheArrivalOrder() throws {
        let pushes = [push(after: "aaa1", pushedAt: 1_764_150_000), push(after: "aaa2", pushedAt: 1_764_150_060),
                      push(after: "aaa3", pushedAt: 1_764_150_120)]
        for order in permutations([0, 1, 2]) {
            let (last, count) = try mirrorAfterDelivering(event: "push", order.map { pushes[$0] }) {
                (try $0.lastPush(repositoryID: 186853002), try $0.pushCount(repository: "octo/hello"))
            }
            #expect(last?.afterSHA == "aaa3", "order \(order)")
            #expect(last?.pushedAt == "2025-11-26T09:42:00.000Z")
            #expect(count == 3)
        }
    }

    @Test func handlingOnePushTwiceAddsOneRow() throws {
        let directory = try TemporaryDirectory()
        let services = makeServices(in: directory)
        let work = try #require(try WebhookIntake(services: services).receive(delivery(event: "push", body: push(after: "b1", pushedAt: 1_764_150_000))).eventToProcess)
        EventProcessor(services: services).process(id: work.id, work.event)
        EventProcessor(services: services).process(id: work.id, work.event)
        #expect(try MirrorStore(connection: committedStore(services).connection).pushCount(repository: "octo/hello") == 1)
    }
}
