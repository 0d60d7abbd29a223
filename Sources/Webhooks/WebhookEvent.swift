import Common

/// A stored delivery as the handlers see it: the event name from the header and the parsed body.
public struct WebhookEvent: Sendable {
    public var name: String
    public var action: String?
    public var deliveryID: String
    public var payload: JSONNode

    public init(name: String, deliveryID: String, payload: JSONNode) {
        self.name = name
        self.deliveryID = deliveryID
        self.payload = payload
        self.action = payload["action"]?.stringValue
    }
}

/// A handler that cannot make sense of a payload; the event is left `failed` with this text.
public enum HandlerError: Error, Equatable, CustomStringConvertible {
    case missingField(String)
    /// A number or a time that no GitHub object holds (past Int64, before year 1, after 9999).
    case outOfRange(String)
    /// A payload that carries another event's object (`member`): not this event's.
    case wrongShape(event: String, member: String)
    /// A failure that may pass if tried again later.
    case temporary(String)

    public var description: String {
        switch self {
        case .missingField(let path): "payload has no \(path)"
        case .outOfRange(let path): "payload's \(path) is out of range"
        case .wrongShape(let event, let member): "payload does not fit the \(event) event: it carries \(member)"
        case .temporary(let reason): reason
        }
    }

    /// Whether trying again can help: a payload that lacks a field or holds a number out of range
    /// fails the same way every time, so only `temporary` failures are retried.
    public var isRetryable: Bool {
        if case .temporary = self { return true }
        return false
    }
}

extension JSONNode {
    /// The string at `path` or a `missingField` error naming the path.
    func requiredString(_ path: String...) throws(HandlerError) -> String {
        guard let text = value(at: path)?.stringValue else { throw .missingField(path.joined(separator: ".")) }
        return text
    }

    func requiredInt(_ path: String...) throws(HandlerError) -> Int64 {
        guard let number = value(at: path)?.int64Value else { throw .missingField(path.joined(separator: ".")) }
        return number
    }

    func requiredObject(_ key: String) throws(HandlerError) -> JSONNode {
        guard let member = self[key], member.isObject else { throw .missingField(key) }
        return member
    }

    func value(at path: [String]) -> JSONNode? {
        var current: JSONNode? = self
        for key in path { current = current?[key] }
        return current
    }

    /// A GitHub timestamp at `path`, normalized to `Timestamp.iso8601` (fixed width, so text order
    /// is time order). Payloads mix ISO strings, with offsets or fractions, and Unix seconds
    /// (push's `repository.pushed_at`, some `installation.updated_at`; docs/github-protocol.md section 14).
    /// A number that is no time at all (past Int64, or outside years 1 to 9999) is an
    /// `outOfRange` error: guessing a time for it would misorder the mirror.
    /// `object` names the node in the error (`pull_request`), for the admin who reads it.
    func gitHubTime(_ path: String..., in object: String? = nil) throws(HandlerError) -> String? {
        guard let node = value(at: path) else { return nil }
        if node.numberText != nil {
            guard let seconds = node.int64Value, let time = Timestamp(secondsSinceEpoch: seconds) else {
                throw .outOfRange(((object.map { [$0] } ?? []) + path).joined(separator: "."))
            }
            return time.iso8601
        }
        return node.stringValue.flatMap { Timestamp(iso8601: $0)?.iso8601 }
    }

    /// The value as JSON, or null when absent, for summaries that report what is there.
    func optional(_ path: String...) -> JSONValue { value(at: path)?.value ?? .null }
}
