import Glibc
import Testing
@testable import Common
@testable import Webhooks

/// The transactional outbox (issue 16): the intake queues one item per matching action in the
/// delivery's own commit, with the version of the action file that matched.
@Suite struct OutboxIntakeTests {
    let directory: TemporaryDirectory
    var actions: String { directory.path + "/actions.d" }

    init() throws {
        directory = try TemporaryDirectory()
        _ = try KeyFile.loadOrCreate(path: directory.path + "/hubsync.key")
        mkdir(directory.path + "/actions.d", 0o700)
    }

    func rows(_ services: Services) throws -> [(event: String, action: String, version: Int64)] {
        let statement = try committedStore(services).connection.prepare("""
            SELECT d.delivery_id, o.action, o.action_version_id FROM outbox AS o JOIN deliveries AS d ON d.id = o.event_id
            WHERE o.status = 'pending' ORDER BY o.id
            """)
        var result: [(String, String, Int64)] = []
        while try statement.step() { result.append((statement.text(0) ?? "", statement.text(1) ?? "", statement.int64(2))) }
        return result
    }

    @Test func eachMatchingActionIsQueuedOnceWithTheVersionThatMatched() throws {
        try writeFile(actions + "/all.action", "EVENTS=*\nFORWARD_URL=https://odoo.example.com/odoo/github/webhook\nFORWARD_SECRET=forward-secret-0123456789\n")
        try writeFile(actions + "/deploy.action", "EVENTS=push\nREPOSITORIES=Codertocat/*\nCOMMAND=/usr/bin/true\n")
        let services = makeServices(in: directory)
        let intake = WebhookIntake(services: services)
        let push = try examplePayload("push/payload.json")
        _ = try intake.receive(delivery(event: "push", body: push, id: "p-1"))
        _ = try intake.receive(delivery(event: "check_run", body: Array(#"{"action":"completed"}"#.utf8), id: "c-1"))
        _ = try intake.receive(delivery(event: "push", body: push, id: "p-1"))      // a redelivery: nothing new
        _ = try intake.receive(delivery(event: "push", body: push, id: "replay"))  // the same body, another id: a replay
        var queued = try rows(services)
        #expect(queued.map { "\($0.event) \($0.action)" } == ["p-1 all", "p-1 deploy", "c-1 all"])

        // A changed file applies to the next delivery; the earlier items keep their version.
        let before = queued.first { $0.action == "deploy" }!.version
        try writeFile(actions + "/deploy.action", "EVENTS=push\nREPOSITORIES=Codertocat/*\nCOMMAND=/usr/bin/false\n")
        _ = try intake.receive(delivery(event: "push", body: Array(#"{"ref":"x","repository":{"full_name":"Codertocat/Hello-World"}}"#.utf8), id: "p-2"))
        queued = try rows(services)
        let after = queued.last { $0.action == "deploy" }!
        #expect(after.event == "p-2" && after.version != before)

        // A refused edit keeps the previous version in use; a removed file stops matching.
        try writeFile(actions + "/deploy.action", "EVENTS=push\nCOMMAND=/usr/bin/false | x\n")
        _ = try intake.receive(delivery(event: "push", body: Array(#"{"ref":"y","repository":{"full_name":"Codertocat/Hello-World"}}"#.utf8), id: "p-3"))
        let kept = try #require(try rows(services).last { $0.action == "deploy" })
        #expect(kept.event == "p-3" && kept.version == after.version)
        unlink(actions + "/deploy.action")
        _ = try intake.receive(delivery(event: "push", body: Array(#"{"ref":"z","repository":{"full_name":"Codertocat/Hello-World"}}"#.utf8), id: "p-4"))
        #expect(try rows(services).filter { $0.event == "p-4" }.map(\.action) == ["all"])
    }

    /// A new file refused at first, then mended in place (the directory's status unchanged), is
    /// read again for the next delivery.
    @Test func aRefusedFileMendedInPlaceIsReadAgain() throws {
        try writeFile(actions + "/late.action", "EVENTS=ping\nCOMMAND=/usr/bin/true | x\n")
        // Both a minute old, so that the first read is not "racy" (which would read again anyway).
        var old = [timeval(tv_sec: time(nil) - 60, tv_usec: 0), timeval(tv_sec: time(nil) - 60, tv_usec: 0)]
        #expect(utimes(actions + "/late.action", &old) == 0 && utimes(actions, &old) == 0)
        let services = makeServices(in: directory)
        let intake = WebhookIntake(services: services)
        _ = try intake.receive(delivery(event: "ping", body: Array(#"{"zen":"1"}"#.utf8), id: "z-1"))
        #expect(try rows(services).isEmpty)
        try writeFile(actions + "/late.action", "EVENTS=ping\nCOMMAND=/usr/bin/true\n")  // fopen "w": the same inode
        _ = try intake.receive(delivery(event: "ping", body: Array(#"{"zen":"2"}"#.utf8), id: "z-2"))
        #expect(try rows(services).map { "\($0.event) \($0.action)" } == ["z-2 late"])
    }

    @Test func theStoredVersionIsSealedAndOpensToTheFileAsItWas() throws {
        let text = "EVENTS=*\nFORWARD_URL=https://odoo.example.com/hook\nFORWARD_SECRET=forward-secret-0123456789\n"
        try writeFile(actions + "/odoo.action", text)
        let services = makeServices(in: directory)
        _ = try WebhookIntake(services: services).receive(delivery(event: "ping", body: Array(#"{"zen":"z"}"#.utf8), id: "z-1"))
        let store = try committedStore(services)
        let statement = try store.connection.prepare("SELECT name, sealed FROM action_versions")
        #expect(try statement.step())
        #expect(statement.text(0) == "odoo")
        let sealed = statement.blob(1)
        #expect(!String(decoding: sealed, as: UTF8.self).contains("forward-secret"))
        let key = try KeyFile.load(path: directory.path + "/hubsync.key")
        #expect(try SecretBox(key: key).open(sealed, associatedData: ActionDefinition.sealingContext("odoo")) == Array(text.utf8))
    }

    @Test func pruneKeepsADeliveryWhoseItemsAreUnfinished() throws {
        try writeFile(actions + "/all.action", "EVENTS=*\nCOMMAND=/usr/bin/true\n")
        let services = makeServices(in: directory)
        _ = try WebhookIntake(services: services).receive(delivery(event: "check_run", body: Array(#"{"action":"x"}"#.utf8), id: "old"))
        let store = try committedStore(services)
        let queries = EventQueries(database: store.database)
        let future = Timestamp(microsecondsSinceEpoch: 1_764_151_977_000_000).adding(seconds: 86_400)
        #expect(try queries.prune(receivedBefore: future, statuses: [.skipped], dryRun: false) == 0)
        try store.connection.execute("UPDATE outbox SET status = 'done'")
        #expect(try queries.prune(receivedBefore: future, statuses: [.skipped], dryRun: false) == 1)
        #expect(try store.connection.scalarInt("SELECT count(*) FROM outbox") == 0)
    }

    /// The branch BRANCHES looks at, read from GitHub's own examples.
    @Test(arguments: [
        ("push", "push/payload.json", nil),                 // refs/tags/simple-tag: a tag is no branch
        ("push", "push/with-new-branch.payload.json", "master"),
        ("create", "create/payload.json", nil),             // ref_type tag
        ("pull_request", "pull_request/opened.payload.json", "master"),  // the base, not the head
        ("workflow_run", "workflow_run/completed.payload.json", "master"),
        ("workflow_job", "workflow_job/queued.payload.json", "main"),
        ("check_suite", "check_suite/completed.payload.json", "changes"),
        ("check_run", "check_run/completed.payload.json", "changes"),
        ("issues", "issues/assigned.payload.json", nil),
    ] as [(String, String, String?)])
    func theBranchOfEachKindOfEvent(event: String, file: String, branch: String?) throws {
        let payload = try WebhookPayload(body: try examplePayload(file), encoding: .json)
        #expect(payload.branch(event: event) == branch)
    }

    @Test func aBranchFilterQueuesPushesToItsBranchesOnly() throws {
        try writeFile(actions + "/deploy.action", "EVENTS=push\nBRANCHES=main,release/*\nCOMMAND=/usr/bin/true\n")
        let services = makeServices(in: directory)
        let intake = WebhookIntake(services: services)
        for (id, ref) in [("main", "refs/heads/main"), ("feature", "refs/heads/feature/main"), ("release", "refs/heads/release/2.0"),
                          ("tag", "refs/tags/main")] {
            let body = "{\"ref\":\"\(ref)\",\"repository\":{\"full_name\":\"o/r\"}}"
            _ = try intake.receive(delivery(event: "push", body: Array(body.utf8), id: id))
        }
        #expect(try rows(services).map(\.event) == ["main", "release"])
    }
}
