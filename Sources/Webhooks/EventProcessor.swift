import Common

/// Runs an event's handler after the answer and records the outcome: `processed` with the summary,
/// `failed` with the error, or `skipped` when no handler is registered for the event.
public struct EventProcessor {
    let services: Services

    public init(services: Services) { self.services = services }

    /// Runs the handler and queues the outcome for the writer's next commit (no fsync of its own).
    @discardableResult
    func process(id: Int64, _ event: WebhookEvent) -> EventOutcome {
        let outcome = EventProcessor.outcome(of: event)
        services.writer.recordOutcome(id: id, outcome, at: services.now())
        if outcome.status == .failed {
            services.logger.warn("handler failed", [("delivery", .string(event.deliveryID)), ("event", .string(event.name)),
                                                    ("error", .string(outcome.error ?? ""))])
        }
        return outcome
    }

    /// Runs the handlers again on a stored event, as intake does, and waits for the outcome's commit
    /// (`hubsync events reprocess`).
    public func reprocess(_ stored: StoredEvent) -> EventOutcome {
        let outcome = processStored(stored)
        services.writer.flush()
        return outcome
    }

    /// Decodes a stored body and runs its handlers; a body that no longer decodes fails the event.
    @discardableResult
    private func processStored(_ stored: StoredEvent) -> EventOutcome {
        switch EventProcessor.decode(stored) {
        case .success(let event): return process(id: stored.id, event)
        case .failure(let failure):
            services.writer.recordOutcome(id: stored.id, failure.outcome, at: services.now())
            return failure.outcome
        }
    }

    /// A stored delivery as handlers see it, or the failed outcome of a body that no longer decodes.
    static func decode(_ stored: StoredEvent) -> Result<WebhookEvent, EventOutcomeFailure> {
        do {
            let payload = try WebhookPayload(body: stored.body, encoding: PayloadEncoding(rawValue: stored.contentType) ?? .json).root
            return .success(WebhookEvent(name: stored.event, deliveryID: stored.deliveryID, payload: payload))
        } catch {
            return .failure(EventOutcomeFailure(outcome: EventOutcome(status: .failed, error: error.publicMessage)))
        }
    }

    /// A summary is a small JSON object: whatever a handler copies from a payload (a 25 MiB `zen`,
    /// a huge title), each string is cut to this many characters.
    public static let summaryStringLimit = 256

    /// Runs the event's handler. `attempt` (1 for the first try) and `injectingFaults` serve the
    /// failure injection of test builds only (`TestFault`); a release build has no such code.
    public static func outcome(of event: WebhookEvent, attempt: Int = 1, injectingFaults: Bool = false) -> EventOutcome {
        guard let handler = eventHandlers[event.name] else { return EventOutcome(status: .skipped) }
        let started = Timestamp.monotonicMicroseconds()
        var outcome = run(handler, on: event, attempt: attempt, injectingFaults: injectingFaults)
        outcome.handlerTiming = HandlerTiming(event: event.name, microseconds: Timestamp.monotonicMicroseconds() - started)
        return outcome
    }

    private static func run(_ handler: EventHandler, on event: WebhookEvent, attempt: Int, injectingFaults: Bool) -> EventOutcome {
        do {
            #if DEBUG
            if injectingFaults { try TestFault.inject(into: event, attempt: attempt) }
            #endif
            try PayloadShape.check(event)
            let result = try handler(event)
            return EventOutcome(status: result.isSkipped ? .skipped : .processed,
                                summary: result.summary.cappingStrings(at: summaryStringLimit), changes: result.changes)
        } catch {
            return EventOutcome(status: .failed, error: error.description, isRetryable: error.isRetryable)
        }
    }
}

/// A failed outcome carried as an error, for `Result`.
struct EventOutcomeFailure: Error {
    let outcome: EventOutcome
}
