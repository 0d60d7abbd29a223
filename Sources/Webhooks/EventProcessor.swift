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
        let payload: JSONNode
        do {
            payload = try WebhookPayload(body: stored.body, encoding: PayloadEncoding(rawValue: stored.contentType) ?? .json).root
        } catch {
            let outcome = EventOutcome(status: .failed, error: error.publicMessage)
            services.writer.recordOutcome(id: stored.id, outcome, at: services.now())
            return outcome
        }
        return process(id: stored.id, WebhookEvent(name: stored.event, deliveryID: stored.deliveryID, payload: payload))
    }

    /// A summary is a small JSON object: whatever a handler copies from a payload (a 25 MiB `zen`,
    /// a huge title), each string is cut to this many characters.
    static let summaryStringLimit = 256

    static func outcome(of event: WebhookEvent) -> EventOutcome {
        guard let handler = eventHandlers[event.name] else { return EventOutcome(status: .skipped) }
        do {
            let result = try handler(event)
            return EventOutcome(status: result.isSkipped ? .skipped : .processed,
                                summary: result.summary.cappingStrings(at: summaryStringLimit), changes: result.changes)
        } catch {
            return EventOutcome(status: .failed, error: error.description)
        }
    }

    /// Handles events left `pending` by a crash between an answer and its outcome. Only events
    /// received before this process started are taken, so that an event another live worker is
    /// handling right now is normally left to it (and handlers tolerate a second run anyway).
    public func processPendingEvents(receivedBefore startedAt: Timestamp) {
        // Reads go through a connection of this thread's own; writes through the writer.
        let reader = StoreProvider(configuration: services.configuration)
        var handled = 0
        var lastID: Int64 = 0
        do {
            while true {
                let ids = try reader.withStore { store in try store.pendingEventIDs(receivedBefore: startedAt, after: lastID, limit: 100) }
                if ids.isEmpty { break }
                lastID = ids.last!
                for id in ids {
                    guard let stored = try reader.withStore({ store in try store.event(id: id) }) else { continue }
                    processStored(stored)
                    handled += 1
                }
            }
        } catch {
            services.logger.warn("cannot finish pending events now", [("error", .string("\(error)"))])
        }
        services.writer.flush()
        if handled > 0 { services.logger.info("finished pending events", [("count", .int(handled))]) }
    }
}
