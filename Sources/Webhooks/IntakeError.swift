import Common

/// Why a delivery was refused. Each case knows its status and a fixed sentence for GitHub's
/// delivery log; `errorResponse(for:)` turns it into the answer.
public enum IntakeError: HTTPResponseError, Equatable {
    case methodNotAllowed
    case notFound
    case secretNotConfigured
    case unsupportedContentType
    case missingHeader(String)
    case invalidHeader(String)
    case badSignature
    case invalidPayload(String)

    public var status: Int {
        switch self {
        case .methodNotAllowed: 405
        case .notFound: 404
        case .secretNotConfigured: 503
        case .unsupportedContentType: 415
        case .missingHeader, .invalidHeader, .invalidPayload: 400
        case .badSignature: 401
        }
    }

    public var publicMessage: String {
        switch self {
        case .methodNotAllowed: "Method not allowed: webhooks are delivered with POST"
        case .notFound: "Not found"
        case .secretNotConfigured: "Webhook secret not configured"
        case .unsupportedContentType: "Unsupported Content-Type: expected application/json or application/x-www-form-urlencoded"
        case .missingHeader(let name): "Missing \(name) header"
        case .invalidHeader(let name): "Invalid \(name) header"
        case .badSignature: "Invalid webhook signature"
        case .invalidPayload(let reason): "Invalid payload: \(reason)"
        }
    }

    public var extraHeaders: [(name: String, value: String)] {
        self == .methodNotAllowed ? [("Allow", "POST")] : []
    }
}
