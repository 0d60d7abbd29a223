import Common

/// The two body encodings GitHub uses (docs/github-protocol.md, section 1): JSON, where the body is the payload,
/// and form, where the body is `payload=<URL-encoded JSON>`. The signature covers the raw body in
/// both cases; this decodes it only afterwards, for the handlers.
public enum PayloadEncoding: String, Sendable {
    case json = "application/json"
    case form = "application/x-www-form-urlencoded"

    public init?(contentType: String?) {
        guard let type = mediaType(of: contentType), let encoding = PayloadEncoding(rawValue: type) else { return nil }
        self = encoding
    }
}

/// A verified body read for the intake: the payload as a JSON object, and the columns stored
/// beside the exact body (action, installation, repository, sender), each nil when absent or of
/// another type. Any byte sequence gives one or an `IntakeError`, never a crash (the fuzz target
/// `FuzzPayloadSummary` holds it to that).
public struct WebhookPayload: Sendable {
    public let root: JSONNode

    public init(body: [UInt8], encoding: PayloadEncoding) throws(IntakeError) {
        let json: [UInt8]
        switch encoding {
        case .json:
            json = body
        case .form:
            guard let field = FormDecoding.value(named: "payload", in: body) else {
                throw .invalidPayload("form body has no payload field")
            }
            json = field
        }
        let root: JSONNode
        do {
            root = try JSONDocument(parsing: json).root
        } catch {
            throw .invalidPayload("body is not valid JSON (\(error))")
        }
        guard root.isObject else { throw .invalidPayload("body is not a JSON object") }
        self.root = root
    }

    public var action: String? { root["action"]?.stringValue }
    public var installationID: Int64? { root["installation"]["id"]?.int64Value }
    public var repository: String? { root["repository"]["full_name"]?.stringValue }
    public var sender: String? { root["sender"]["login"]?.stringValue }

    /// The branch an event is about, for actions' `BRANCHES`: a push's branch (`ref` without
    /// `refs/heads/`; a tag is no branch), the branch a created or deleted `ref` names, a pull
    /// request's base (the branch it would merge into), and the head branch of a workflow run or
    /// job and of a check suite or run. nil for other events.
    public func branch(event: String) -> String? {
        switch event {
        case "push":
            guard let ref = root["ref"]?.stringValue, ref.hasPrefix("refs/heads/") else { return nil }
            return String(ref.dropFirst("refs/heads/".count))
        case "create", "delete":
            guard root["ref_type"]?.stringValue == "branch" else { return nil }
            return root["ref"]?.stringValue
        case "pull_request", "pull_request_review", "pull_request_review_comment", "pull_request_review_thread":
            return root["pull_request"]["base"]["ref"]?.stringValue
        case "workflow_run", "workflow_job", "check_suite":
            return root[event]["head_branch"]?.stringValue
        case "check_run":
            return root["check_run"]["check_suite"]["head_branch"]?.stringValue
        default:
            return nil
        }
    }
}
