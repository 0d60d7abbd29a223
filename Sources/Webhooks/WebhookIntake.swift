import Common

/// The intake contract. `receive` is a plain function of the request: it verifies, stores, and
/// says what to answer and what to run after answering; unit tests call it without FastCGI.
public struct WebhookIntake: Sendable {
    static let paths: Set<String> = ["/github/webhook", "/odoo/github/webhook"]

    /// What storing a delivery led to.
    struct Receipt {
        var response: HTTPResponse
        var deliveryID: String
        var event: String
        var outcome: InsertOutcome
        /// Set when handlers must run: a new event, or a redelivery of a failed one (the event runner
        /// runs them; unit tests call `EventProcessor` with it directly).
        var eventToProcess: (id: Int64, event: WebhookEvent)?
    }

    let services: Services

    public init(services: Services) { self.services = services }

    public func respond(_ request: HTTPRequest) -> Reply {
        do {
            let receipt = try receive(request)
            return Reply(
                response: receipt.response,
                logFields: [("delivery", .string(receipt.deliveryID)), ("event", .string(receipt.event)),
                            ("outcome", .string(receipt.outcome.logName))],
                afterResponse: receipt.eventToProcess.map { work in { [services] in
                    // The handlers run in the event runner, never on a request thread: a handler
                    // that crashes takes no request with it (README, "Handler attempts and retries").
                    if case .duplicate = receipt.outcome {
                        do {
                            try services.writer.retryNow(id: work.id, at: services.now())
                        } catch {
                            services.logger.warn("cannot schedule the redelivered event again", [("error", .string("\(error)"))])
                        }
                    }
                    services.workSignal.notify()
                } })
        } catch {
            let (response, detail) = errorResponse(for: error)
            var fields: [(String, LogValue)] = [("error", .string(detail))]
            if let delivery = try? DeliveryHeaders(request) {
                fields = [("delivery", .string(delivery.deliveryID)), ("event", .string(delivery.event))] + fields
            }
            return Reply(response: response, logFields: fields)
        }
    }

    /// Cheap checks first, the signature before any parsing, and the answer only after the
    /// commit: a 2xx always means the delivery is on disk.
    func receive(_ request: HTTPRequest) throws -> Receipt {
        guard request.method == "POST" else { throw IntakeError.methodNotAllowed }
        guard WebhookIntake.paths.contains(request.path) else { throw IntakeError.notFound }
        // Never accept unsigned deliveries, even by misconfiguration.
        var secrets = services.webhookSecrets.current()
        if secrets.isEmpty { secrets = services.webhookSecrets.reloadedAfterMismatch() }
        guard !secrets.isEmpty else { throw IntakeError.secretNotConfigured }
        guard let encoding = PayloadEncoding(contentType: request.header("content-type")) else {
            throw IntakeError.unsupportedContentType
        }
        let headers = try DeliveryHeaders(request)
        guard let signature = HubSignature(header: request.header("x-hub-signature-256")) else { throw IntakeError.badSignature }
        var match = signature.matchingSecretIndex(body: request.body, secrets: secrets.map(\.value))
        if match == nil {
            // A secret stored a moment ago (rotation) may not be in the cached list yet.
            secrets = services.webhookSecrets.reloadedAfterMismatch()
            match = signature.matchingSecretIndex(body: request.body, secrets: secrets.map(\.value))
        }
        guard let match else { throw IntakeError.badSignature }
        let payload = try WebhookPayload(body: request.body, encoding: encoding)
        let event = WebhookEvent(name: headers.event, deliveryID: headers.deliveryID, payload: payload.root)

        let newEvent = NewEvent(
            deliveryID: headers.deliveryID, hookID: headers.hookID, event: headers.event, action: payload.action,
            installationID: payload.installationID, repository: payload.repository, sender: payload.sender,
            body: request.body, contentType: encoding.rawValue,
            targetType: headers.targetType, targetID: headers.targetID, receivedAt: services.now(),
            secretFingerprint: secrets[match].fingerprint, signature: signature.digest,
            hasHandler: eventHandlers[headers.event] != nil,
            actions: services.actions.queued(DeliveryFacts(event: headers.event, action: payload.action, repository: payload.repository,
                                                          branch: payload.branch(event: headers.event))))
        let outcome = try services.writer.insert(newEvent)

        switch outcome {
        case .stored(let id):
            let message = headers.event == "ping" ? "pong" : "Webhook processed"
            return Receipt(
                response: .json(200, ["status": "success", "message": .string(message), "delivery": .string(headers.deliveryID)]),
                deliveryID: headers.deliveryID, event: headers.event, outcome: outcome,
                eventToProcess: newEvent.hasHandler ? (id, event) : nil)
        case .duplicate(let id, let status):
            // A redelivery of a failed event is how an operator retries it: run the handlers again,
            // on the first body, which is the one stored.
            let retry: (Int64, WebhookEvent)? = status == .failed ? (id, event) : nil
            return Receipt(
                response: .json(200, ["status": "duplicate", "message": "Delivery already received",
                                      "delivery": .string(headers.deliveryID)]),
                deliveryID: headers.deliveryID, event: headers.event, outcome: outcome, eventToProcess: retry)
        }
    }
}

extension InsertOutcome {
    var logName: String {
        switch self {
        case .stored: "stored"
        case .duplicate(_, let status): "duplicate-\(status.rawValue)"
        }
    }
}
