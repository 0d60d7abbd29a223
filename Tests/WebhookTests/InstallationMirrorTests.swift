import Testing
@testable import Common
@testable import Webhooks

@Suite struct InstallationMirrorTests {
    func integration(_ database: Database, _ id: Int64) throws -> Integration? {
        try IntegrationStore(database: database).integration(installationID: id)
    }

    func payload(action: String, updatedAt: String, suspendedAt: String? = nil) -> [UInt8] {
        let value: JSONValue = [
            "action": .string(action),
            "installation": [
                "id": 42, "account": ["login": "octo-org", "id": 100, "type": "Organization"], "target_type": "Organization",
                "repository_selection": "all", "permissions": ["issues": "write"], "events": ["issues"],
                "updated_at": .string(updatedAt), "suspended_at": suspendedAt.map { .string($0) } ?? .null,
            ],
            "repositories": [["id": 7, "full_name": "octo-org/app", "private": true]],
            "sender": ["login": "octocat"],
        ]
        return Array(value.jsonText.utf8)
    }

    @Test func gitHubsExamplesSetStatusAccountAndRepositories() throws {
        let created = try examplePayload("installation/created.payload.json")
        let (record, repositories) = try databaseAfterDelivering(event: "installation", [created]) {
            (try integration($0, 957387), try MirrorStore(connection: $0.connection).repositories(installationID: 957387))
        }
        #expect(record?.status == "active" && record?.accountLogin == "Codertocat")
        #expect(repositories == ["Codertocat/Hello-World"])
        let suspended = try databaseAfterDelivering(event: "installation", [try examplePayload("installation/suspend.payload.json")]) {
            try integration($0, 16598467)
        }
        #expect(suspended?.status == "suspended" && suspended?.suspendedAt == "2021-04-29T02:32:50Z")
        let deleted = try databaseAfterDelivering(event: "installation", [try examplePayload("installation/deleted.payload.json")]) {
            (try integration($0, 2), try MirrorStore(connection: $0.connection).repositories(installationID: 2))
        }
        #expect(deleted.0?.status == "deleted" && deleted.1.isEmpty)
    }

    @Test func repositoriesAddedAndRemoved() throws {
        let added = try databaseAfterDelivering(event: "installation_repositories",
                                                [try examplePayload("installation_repositories/added.payload.json")]) {
            try MirrorStore(connection: $0.connection).repositories(installationID: 957387)
        }
        #expect(added == ["Codertocat/Space"])
        let attach: JSONValue = ["action": "added", "installation": ["id": 2], "repository_selection": "selected",
                                 "repositories_added": [["id": 1296269, "full_name": "octocat/Hello-World", "private": false]],
                                 "repositories_removed": []]
        let attached = Array(attach.jsonText.utf8)
        let before = try databaseAfterDelivering(event: "installation_repositories", [attached]) {
            try MirrorStore(connection: $0.connection).repositories(installationID: 2)
        }
        #expect(before == ["octocat/Hello-World"])
        let after = try databaseAfterDelivering(event: "installation_repositories",
                                                [attached, try examplePayload("installation_repositories/removed.payload.json")]) {
            try MirrorStore(connection: $0.connection).repositories(installationID: 2)
        }
        #expect(after.isEmpty)
    }

    /// Created, suspended, unsuspended, deleted: every arrival order ends deleted, and a deletion
    /// that arrives first is not undone by the older events.
    @Test func aDeletionIsFinalWhateverTheArrivalOrder() throws {
        let life = [payload(action: "created", updatedAt: "2026-11-26T08:00:00Z"),
                    payload(action: "suspend", updatedAt: "2026-11-26T08:10:00Z", suspendedAt: "2026-11-26T08:10:00Z"),
                    payload(action: "unsuspend", updatedAt: "2026-11-26T08:20:00Z"),
                    payload(action: "deleted", updatedAt: "2026-11-26T08:20:00Z")]
        for order in permutations([0, 1, 2, 3]) {
            let status = try databaseAfterDelivering(event: "installation", order.map { life[$0] }) { try integration($0, 42)?.status }
            #expect(status == "deleted", "order \(order)")
        }
        let suspendedLast = try databaseAfterDelivering(event: "installation", [life[0], life[2], life[1]]) { try integration($0, 42)?.status }
        #expect(suspendedLast == "active")  // the unsuspend is newer than the suspend that arrived after it
    }

    @Test func whatTheCallbackRecordedIsKept() throws {
        let record = try databaseAfterDelivering(event: "installation", [payload(action: "new_permissions_accepted", updatedAt: "2026-11-26T09:00:00Z")],
                                                 prepare: { database in
            try IntegrationStore(database: database).save(Integration(
                installationID: 42, accountLogin: "octo-org", accountID: 100, accountType: "Organization", repositorySelection: "selected",
                permissions: nil, events: nil, setupAction: "install", installedByLogin: "octocat", installedByID: 1, status: "active",
                suspendedAt: nil, createdAt: "2026-11-26T07:00:00.000Z", updatedAt: "2026-11-26T07:00:00.000Z"))
        }) { try integration($0, 42) }
        #expect(record?.installedByLogin == "octocat" && record?.setupAction == "install")
        #expect(record?.repositorySelection == "all" && record?.permissions == #"{"issues":"write"}"#)
    }

    @Test func anUnknownActionIsSkippedNotFailed() throws {
        let event = WebhookEvent(name: "installation", deliveryID: "d", payload: parsed(["action": "renamed", "installation": ["id": 1]]))
        #expect(EventProcessor.outcome(of: event).status == .skipped)
    }
}
