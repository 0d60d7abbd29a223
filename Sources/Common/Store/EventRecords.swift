/// Where an event stands. `skipped`: stored, no handler for its event or action.
public enum EventStatus: String, Sendable, CaseIterable {
    case pending, processed, failed, skipped
}

/// A verified delivery about to be stored: the exact raw body and what the headers and body said.
public struct NewEvent: Sendable {
    public var deliveryID: String
    public var hookID: Int64
    public var event: String
    public var action: String?
    public var installationID: Int64?
    public var repository: String?
    public var sender: String?
    public var body: [UInt8]
    public var contentType: String
    public var targetType: String?
    public var targetID: Int64?
    public var receivedAt: Timestamp
    /// Which webhook secret verified the signature (`SecretFingerprint`), when known.
    public var secretFingerprint: String?
    /// The verified signature's digest: the same body under another delivery id is a replay.
    public var signature: [UInt8]?
    /// False for an event no handler takes: it is stored `skipped` at once, and the event runner
    /// never reads it back (about half of a busy organization's deliveries: check_run,
    /// workflow_job, issue_comment, ...).
    public var hasHandler: Bool
    /// The actions it matched: one outbox item each, in the same commit (not for a replay).
    public var actions: [QueuedAction]

    public init(deliveryID: String, hookID: Int64, event: String, action: String?, installationID: Int64?,
                repository: String?, sender: String?, body: [UInt8], contentType: String,
                targetType: String?, targetID: Int64?, receivedAt: Timestamp, secretFingerprint: String? = nil,
                signature: [UInt8]? = nil, hasHandler: Bool = true, actions: [QueuedAction] = []) {
        self.deliveryID = deliveryID
        self.hookID = hookID
        self.event = event
        self.action = action
        self.installationID = installationID
        self.repository = repository
        self.sender = sender
        self.body = body
        self.contentType = contentType
        self.targetType = targetType
        self.targetID = targetID
        self.receivedAt = receivedAt
        self.secretFingerprint = secretFingerprint
        self.signature = signature
        self.hasHandler = hasHandler
        self.actions = actions
    }
}

/// What storing one delivery did: a new row, or the row that an earlier arrival of the same
/// (hook id, delivery id) left, untouched.
public enum InsertOutcome: Sendable, Equatable {
    case stored(id: Int64)
    case duplicate(id: Int64, status: EventStatus)

    public var id: Int64 {
        switch self {
        case .stored(let id), .duplicate(let id, _): id
        }
    }
}

/// A stored event as the handlers and the admin see it.
public struct StoredEvent: Sendable, Equatable {
    public var id: Int64
    public var deliveryID: String
    public var hookID: Int64
    public var event: String
    public var action: String?
    public var installationID: Int64?
    public var repository: String?
    public var sender: String?
    public var body: [UInt8]
    public var contentType: String
    public var receivedAt: String
    public var status: EventStatus
    public var attempts: Int
    public var error: String?
    public var processedAt: String?
    public var summary: String?
    /// When a failed event runs again; nil when it will not (given up, or not failed).
    public var nextAttemptAt: String?
    /// Attempts whose process died before an outcome.
    public var deaths: Int = 0
    /// GitHub's `X-GitHub-Hook-Installation-Target-Type` and `-ID` headers (`integration`, the App's id).
    public var targetType: String? = nil
    public var targetID: Int64? = nil
}

/// The outcome of running an event's handlers, written back to its row.
public struct EventOutcome: Sendable, Equatable {
    public var status: EventStatus
    public var summary: JSONValue?
    public var error: String?
    /// What the mirror tables become, applied in the same transaction as the outcome.
    public var changes: [MirrorChange]
    /// A failure that may pass (not one of the payload itself, which fails the same way every time).
    public var isRetryable: Bool
    /// For a failed outcome: when to try again (nil: given up).
    public var retryAt: Timestamp?
    /// How long the event's handler ran (nil when none ran), counted into `handler_timings`.
    public var handlerTiming: HandlerTiming?

    public init(status: EventStatus, summary: JSONValue? = nil, error: String? = nil, changes: [MirrorChange] = [],
                isRetryable: Bool = false, retryAt: Timestamp? = nil) {
        self.status = status
        self.summary = summary
        self.error = error
        self.changes = changes
        self.isRetryable = isRetryable
        self.retryAt = retryAt
    }

    /// Equal when they say the same of the event; how long the handler took is a measurement of
    /// that run, not part of what it concluded.
    public static func == (lhs: EventOutcome, rhs: EventOutcome) -> Bool {
        lhs.status == rhs.status && lhs.summary == rhs.summary && lhs.error == rhs.error && lhs.changes == rhs.changes
            && lhs.isRetryable == rhs.isRetryable && lhs.retryAt == rhs.retryAt
    }
}

/// One run of a handler: the event it handled and how long it took.
public struct HandlerTiming: Sendable, Equatable {
    public var event: String
    public var microseconds: Int64

    public init(event: String, microseconds: Int64) {
        self.event = event
        self.microseconds = microseconds
    }
}

/// A handler's runs over a span of hours: how many, the average, and the slowest with its event.
public struct HandlerTimingSummary: Sendable, Equatable {
    public var event: String
    public var handled: Int64
    public var averageMicroseconds: Int64
    public var slowestMicroseconds: Int64
    public var slowestEventID: Int64
}

/// An attempt started and not finished: its event is `pending` with an owner.
public struct AttemptInProgress: Sendable, Equatable {
    public var eventID: Int64
    public var owner: String
    public var startedAt: Timestamp?
    public var attempts: Int
    public var deaths: Int
}

/// What becomes of an attempt that will never report.
public enum AttemptEnd: Sendable, Equatable {
    /// Run it again; `died`: count a death.
    case takeBack(died: Bool)
    /// `failed` for good, with this error.
    case giveUp(reason: String, died: Bool)
}

/// Which events the event runner takes next.
public enum ClaimKind: Sendable {
    /// Pending events whose earlier attempt died: taken one at a time, so that a death is charged
    /// to the event that caused it.
    case suspect
    /// Pending events never tried.
    case fresh
    /// Failed events whose retry time has come.
    case due
}

/// One unit of work for a write transaction.
public enum WriteItem: Sendable {
    case insert(NewEvent)
    case outcome(id: Int64, EventOutcome, at: Timestamp)
    /// A redelivery of a failed event: run it again now, whether it was retrying or given up.
    case retryNow(id: Int64, at: Timestamp)
}

/// What became of one `WriteItem` once its transaction committed (or did not).
public enum WriteResult {
    case inserted(InsertOutcome)
    case recorded
    case failed(Error)
}

/// One line of the events list: everything but the body and the summary.
public struct EventListing: Sendable, Equatable {
    public var id: Int64
    public var deliveryID: String
    public var hookID: Int64
    public var event: String
    public var action: String?
    public var installationID: Int64?
    public var repository: String?
    public var sender: String?
    public var status: EventStatus
    public var attempts: Int
    public var error: String?
    public var receivedAt: String
    public var processedAt: String?
    public var nextAttemptAt: String?

    /// `retrying` or `given up` for failed events, else the status.
    public var statusDescription: String { describeStatus(status, nextAttemptAt: nextAttemptAt) }
}

/// A failed event either comes back by itself (`retrying`) or not (`given up`).
public func describeStatus(_ status: EventStatus, nextAttemptAt: String?) -> String {
    guard status == .failed else { return status.rawValue }
    return nextAttemptAt == nil ? "given up" : "retrying"
}
