import Glibc
import Testing
@testable import Common
@testable import Webhooks

@Suite struct IntakeTests {
    let pushBody: [UInt8]

    init() throws { pushBody = try examplePayload("push/payload.json") }

    @Test func storesASignedDeliveryThenAnswersWithItsID() throws {
        let directory = try TemporaryDirectory()
        let services = makeServices(in: directory)
        let receipt = try WebhookIntake(services: services).receive(delivery(event: "push", body: pushBody, id: "d-1"))
        #expect(receipt.response.status == 200)
        #expect(bodyJSON(receipt.response) == ["status": "success", "message": "Webhook processed", "delivery": "d-1"])
        let stored = try #require(try committedStore(services).event(deliveryID: "d-1", hookID: 4242))
        #expect(stored.body == pushBody)
        #expect(stored.event == "push")
        #expect(stored.action == nil)
        #expect(stored.repository == "Codertocat/Hello-World")
        #expect(stored.sender == "Codertocat")
        #expect(stored.status == .pending)  // handlers run only after the answer
        #expect(stored.contentType == "application/json")
        #expect(receipt.eventToProcess?.id == stored.id)
    }

    /// An event no handler takes is stored `skipped` in the commit that stores it: the event runner
    /// never claims it nor reads its body back. A replay among them keeps its reason.
    @Test func anEventWithoutAHandlerIsStoredSkippedWithNoWorkForTheRunner() throws {
        let directory = try TemporaryDirectory()
        let services = makeServices(in: directory)
        let intake = WebhookIntake(services: services)
        let body = Array(#"{"action":"completed","check_run":{"id":1}}"#.utf8)
        let receipt = try intake.receive(delivery(event: "check_run", body: body, id: "c-1"))
        #expect(receipt.response.status == 200)
        #expect(receipt.eventToProcess == nil)
        let stored = try #require(try committedStore(services).event(deliveryID: "c-1", hookID: 4242))
        #expect(stored.status == .skipped)
        #expect(stored.processedAt != nil)
        #expect(stored.attempts == 0)
        #expect(stored.body == body)
        _ = try intake.receive(delivery(event: "check_run", body: body, id: "c-2"))
        #expect(try committedStore(services).event(deliveryID: "c-2", hookID: 4242)?.error?.contains("c-1") == true)
    }

    @Test func aRedeliveryIsADuplicateThatKeepsTheFirstBody() throws {
        let directory = try TemporaryDirectory()
        let services = makeServices(in: directory)
        let intake = WebhookIntake(services: services)
        _ = try intake.receive(delivery(event: "ping", body: Array(#"{"zen":"first"}"#.utf8), id: "same"))
        let again = try intake.receive(delivery(event: "ping", body: Array(#"{"zen":"second"}"#.utf8), id: "same"))
        #expect(again.response.status == 200)
        #expect(bodyJSON(again.response)?["status"] == "duplicate")
        #expect(again.eventToProcess == nil)
        #expect(try committedStore(services).count() == 1)
        #expect(try committedStore(services).event(deliveryID: "same", hookID: 4242)?.body == Array(#"{"zen":"first"}"#.utf8))
    }

    @Test func aRedeliveryOfAFailedEventRunsItsHandlersAgain() throws {
        let directory = try TemporaryDirectory()
        let services = makeServices(in: directory)
        let intake = WebhookIntake(services: services)
        // A push without `ref` makes the push handler fail.
        let request = delivery(event: "push", body: Array(#"{"after":"abc"}"#.utf8), id: "broken")
        let first = try intake.receive(request)
        let work = try #require(first.eventToProcess)
        #expect(EventProcessor(services: services).process(id: work.id, work.event).status == .failed)
        let stored = try #require(try committedStore(services).event(id: work.id))
        #expect(stored.status == .failed)
        #expect(stored.error == "payload has no ref")
        let second = try intake.receive(request)
        #expect(bodyJSON(second.response)?["status"] == "duplicate")
        let retry = try #require(second.eventToProcess)
        #expect(retry.id == work.id)
        EventProcessor(services: services).process(id: retry.id, retry.event)
        #expect(try committedStore(services).event(id: work.id)?.attempts == 2)
    }

    @Test func pingAnswersPong() throws {
        let directory = try TemporaryDirectory()
        let receipt = try WebhookIntake(services: makeServices(in: directory))
            .receive(delivery(event: "ping", body: try examplePayload("ping/payload.json"), id: "p"))
        #expect(bodyJSON(receipt.response) == ["status": "success", "message": "pong", "delivery": "p"])
    }

    @Test func acceptsGitHubsFormEncodingSignedOverTheRawForm() throws {
        let directory = try TemporaryDirectory()
        let services = makeServices(in: directory)
        let json = #"{"zen":"a + b & c","hook_id":1}"#
        var allowed = [UInt8]()
        for byte in json.utf8 {
            if (byte >= 48 && byte <= 57) || (byte | 0x20 >= 97 && byte | 0x20 <= 122) { allowed.append(byte) }
            else { allowed.append(contentsOf: Array("%" + String(byte, radix: 16, uppercase: true).leftPadded(2)).map { $0.asciiValue! }) }
        }
        let form = Array("payload=".utf8) + allowed
        let receipt = try WebhookIntake(services: services).receive(
            delivery(event: "ping", body: form, id: "f", contentType: "application/x-www-form-urlencoded"))
        #expect(receipt.response.status == 200)
        let stored = try #require(try committedStore(services).event(deliveryID: "f", hookID: 4242))
        #expect(stored.body == form)
        #expect(stored.contentType == "application/x-www-form-urlencoded")
        #expect(receipt.eventToProcess?.event.payload["zen"]?.stringValue == "a + b & c")
    }

    /// Each rejection: its status, its message, and nothing stored.
    @Test(arguments: [
        (delivery(event: "push", body: Array("{}".utf8), secret: "wrong"), 401, "Invalid webhook signature"),
        (delivery(event: "push", body: Array("{}".utf8), extraHeaders: ["x-hub-signature-256": ""]), 401, "Invalid webhook signature"),
        (stripping("x-hub-signature-256", delivery(event: "push", body: Array("{}".utf8))), 401, "Invalid webhook signature"),
        (stripping("x-github-event", delivery(event: "push", body: Array("{}".utf8))), 400, "Missing X-GitHub-Event header"),
        (stripping("x-github-delivery", delivery(event: "push", body: Array("{}".utf8))), 400, "Missing X-GitHub-Delivery header"),
        (delivery(event: "push", body: Array("{}".utf8), id: String(repeating: "a", count: 10_000)), 400, "Invalid X-GitHub-Delivery header"),
        (delivery(event: "push", body: Array("{}".utf8), id: "x'; DROP TABLE events;--"), 400, "Invalid X-GitHub-Delivery header"),
        (delivery(event: "<script>", body: Array("{}".utf8)), 400, "Invalid X-GitHub-Event header"),
        (delivery(event: "push", body: Array("{}".utf8), extraHeaders: ["x-github-hook-id": "12a"]), 400, "Invalid X-GitHub-Hook-ID header"),
        (delivery(event: "push", body: Array("[1,2]".utf8)), 400, "Invalid payload: body is not a JSON object"),
        (delivery(event: "push", body: Array("{\"a\":".utf8)), 400, "Invalid payload: body is not valid JSON (unexpected end of input)"),
        (delivery(event: "push", body: []), 400, "Invalid payload: body is not valid JSON (unexpected end of input)"),
        (delivery(event: "push", body: Array("a=1".utf8), contentType: "application/x-www-form-urlencoded"), 400, "Invalid payload: form body has no payload field"),
        (delivery(event: "push", body: Array("{}".utf8), contentType: "text/plain"), 415, "Unsupported Content-Type: expected application/json or application/x-www-form-urlencoded"),
        (delivery(event: "push", body: Array("{}".utf8), method: "GET"), 405, "Method not allowed: webhooks are delivered with POST"),
        (delivery(event: "push", body: Array("{}".utf8), path: "/elsewhere"), 404, "Not found"),
    ])
    func rejectsAndStoresNothing(request: HTTPRequest, status: Int, message: String) throws {
        let directory = try TemporaryDirectory()
        let services = makeServices(in: directory)
        let reply = WebhookIntake(services: services).respond(request)
        #expect(reply.response.status == status)
        #expect(bodyJSON(reply.response) == ["status": "error", "message": .string(message)])
        #expect(reply.afterResponse == nil)
        #expect(try committedStore(services).count() == 0)
        if status == 405 { #expect(reply.response.header("Allow") == "POST") }
    }

    @Test func neverAcceptsUnsignedWhenNoSecretIsConfigured() throws {
        let directory = try TemporaryDirectory()
        let reply = WebhookIntake(services: makeServices(in: directory, secrets: []))
            .respond(delivery(event: "ping", body: Array("{}".utf8)))
        #expect(reply.response.status == 503)
        #expect(bodyJSON(reply.response)?["message"] == "Webhook secret not configured")
    }

    @Test func unwritableStorageAnswers503SoGitHubCanRedeliver() throws {
        let directory = try TemporaryDirectory()
        let services = makeServices(in: directory, databasePath: directory.path + "/missing/hubsync.db")
        let reply = WebhookIntake(services: services).respond(delivery(event: "ping", body: Array("{}".utf8)))
        #expect(reply.response.status == 503)
        #expect(bodyJSON(reply.response)?["message"] == "Storage unavailable, try again later")
    }

    @Test func acceptsAnyActiveSecretDuringRotation() throws {
        let directory = try TemporaryDirectory()
        let services = makeServices(in: directory, secrets: ["new-secret", "old-secret"])
        let intake = WebhookIntake(services: services)
        #expect(try intake.receive(delivery(event: "ping", body: Array("{}".utf8), id: "a", secret: "old-secret")).response.status == 200)
        #expect(try intake.receive(delivery(event: "ping", body: Array("{}".utf8), id: "b", secret: "new-secret")).response.status == 200)
        #expect(intake.respond(delivery(event: "ping", body: Array("{}".utf8), id: "c", secret: "retired")).response.status == 401)
    }

    @Test func theLogLineNamesTheDeliveryButHoldsNoPayloadOrSecret() throws {
        let directory = try TemporaryDirectory()
        let reply = WebhookIntake(services: makeServices(in: directory)).respond(delivery(event: "push", body: pushBody, id: "log-1"))
        let fields = Dictionary(reply.logFields.map { ($0.0, "\($0.1)") }, uniquingKeysWith: { a, _ in a })
        #expect(Set(fields.keys) == ["delivery", "event", "outcome"])
        #expect(fields.values.allSatisfy { !$0.contains(testSecret) && !$0.contains("Codertocat") })
    }
}

private func stripping(_ header: String, _ request: HTTPRequest) -> HTTPRequest {
    var copy = request
    copy.headers[header] = nil
    return copy
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
