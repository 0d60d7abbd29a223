import Testing
@testable import Common
@testable import Webhooks

/// The signature covers the body, not the headers (issue 14, point 7): a captured delivery sent
/// again under another event name or another delivery id must not act twice or act as another event.
@Suite struct ReplayTests {
    static let issueDeleted = #"{"action":"deleted","issue":{"number":1,"title":"t","updated_at":"2026-11-26T10:00:00Z"},"repository":{"full_name":"o/r"},"installation":{"id":42}}"#

    @Test func anIssuesBodySentAsInstallationDoesNotDeleteTheInstallation() throws {
        let installationCreated = #"{"action":"created","installation":{"id":42,"account":{"login":"octo-org","id":1,"type":"Organization"},"repository_selection":"all","updated_at":"2026-11-26T09:00:00Z"}}"#
        let integration = try databaseAfterDelivering(event: "installation", [Array(installationCreated.utf8), Array(Self.issueDeleted.utf8)]) { database in
            (try database.connection.scalarText("SELECT status FROM integrations WHERE installation_id = 42"),
             try database.connection.scalarText("SELECT status || ': ' || error FROM events ORDER BY id DESC LIMIT 1"))
        }
        #expect(integration.0 == "active")
        #expect(integration.1 == "failed: payload does not fit the installation event: it carries issue")
    }

    @Test(arguments: ["pull_request", "issues", "workflow_run", "push", "installation_repositories", "ping"])
    func aPayloadCarryingAnotherEventsObjectIsRefused(event: String) throws {
        let foreign = event == "issues" ? #"{"action":"opened","pull_request":{"number":1},"issue":{"number":1}}"# : Self.issueDeleted
        let outcome = EventProcessor.outcome(of: WebhookEvent(name: event, deliveryID: "d", payload: try JSONDocument(parsing: Array(foreign.utf8)).root))
        #expect(outcome.status == .failed)
        #expect(outcome.error?.hasPrefix("payload does not fit the \(event) event: it carries ") == true, "\(outcome.error ?? "")")
        #expect(!outcome.isRetryable)
    }

    /// The same signed body under a new delivery id: stored (the log keeps what arrived), but
    /// skipped, naming the first delivery; the mirror gets one push, not two.
    @Test func theSameBodyUnderANewDeliveryIDIsStoredButNotHandled() throws {
        let directory = try TemporaryDirectory()
        let services = makeServices(in: directory)
        let intake = WebhookIntake(services: services)
        let push = try examplePayload("push/with-new-branch.payload.json")
        let first = try intake.receive(delivery(event: "push", body: push, id: "original"))
        let replay = try intake.receive(delivery(event: "push", body: push, id: "replayed"))
        let other = try intake.receive(delivery(event: "push", body: push + [0x20], id: "another-body"))
        #expect(replay.response.status == 200)
        for receipt in [first, replay, other] {
            if let work = receipt.eventToProcess, try committedStore(services).event(id: work.id)?.status == .pending {
                EventProcessor(services: services).process(id: work.id, work.event)
            }
        }
        let store = try committedStore(services)
        #expect(try store.event(deliveryID: "original", hookID: 4242)?.status == .processed)
        let skipped = try #require(try store.event(deliveryID: "replayed", hookID: 4242))
        #expect(skipped.status == .skipped)
        #expect(skipped.error == "the same body as delivery original: a replay, not handled")
        #expect(try store.event(deliveryID: "another-body", hookID: 4242)?.status == .processed)
        #expect(try store.connection.scalarInt("SELECT count(*) FROM pushes") == 2)
    }
}
