import Testing
@testable import Common
@testable import Webhooks

@Suite struct RecoveryTests {
    /// A crash between the answer and the outcome leaves an event `pending`; the next worker to
    /// start handles it.
    @Test func pendingEventsAreHandledWhenAWorkerStarts() throws {
        let directory = try TemporaryDirectory()
        let services = makeServices(in: directory)
        let intake = WebhookIntake(services: services)
        _ = try intake.receive(delivery(event: "issues", body: try examplePayload("issues/opened.payload.json"), id: "i-1"))
        _ = try intake.receive(delivery(event: "star", body: Array(#"{"action":"created"}"#.utf8), id: "s-1"))
        #expect(try committedStore(services).count(status: .pending) == 2)
        // Nothing received after the worker started is taken: that may be in another worker's hands.
        EventProcessor(services: services).processPendingEvents(receivedBefore: Timestamp(microsecondsSinceEpoch: 0))
        #expect(try committedStore(services).count(status: .pending) == 2)
        EventProcessor(services: services).processPendingEvents(receivedBefore: .now())
        let store = try committedStore(services)
        #expect(try store.count(status: .pending) == 0)
        #expect(try store.event(deliveryID: "i-1", hookID: 4242)?.status == .processed)
        #expect(try store.event(deliveryID: "i-1", hookID: 4242)?.summary == #"{"action":"opened","number":1,"state":"open","title":"Spelling error in the README file"}"#)
        #expect(try store.event(deliveryID: "s-1", hookID: 4242)?.status == .skipped)
    }
}
