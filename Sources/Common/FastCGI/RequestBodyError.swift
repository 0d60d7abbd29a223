/// Problems with a request body found while reading it, before any handler runs.
public enum RequestBodyError: HTTPResponseError, Equatable {
    case tooLarge(limit: Int)
    case truncated(expected: Int, received: Int)
    case invalidContentLength

    public var status: Int {
        switch self {
        case .tooLarge: 413
        case .truncated, .invalidContentLength: 400
        }
    }

    public var publicMessage: String {
        switch self {
        case .tooLarge(let limit): "Request body is larger than \(limit) bytes"
        case .truncated: "Request body ended before Content-Length bytes"
        case .invalidContentLength: "Invalid Content-Length header"
        }
    }
}
