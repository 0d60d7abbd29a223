/// An error that knows the HTTP answer it deserves. Each layer's error enum (`IntakeError`, ...)
/// conforms; `errorResponse(for:)` below is the one place where any error becomes a status.
public protocol HTTPResponseError: Error {
    var status: Int { get }
    /// A fixed sentence for the client: never a secret, a token or a payload.
    var publicMessage: String { get }
    var extraHeaders: [(name: String, value: String)] { get }
}

extension HTTPResponseError {
    public var extraHeaders: [(name: String, value: String)] { [] }
}

/// Turns any error into the answer and the detail for the request's log line. Storage that is
/// unavailable answers 503 so GitHub records a failure that can be redelivered (docs/github-protocol.md,
/// section 3); anything unexpected is a bare 500 whose detail goes only to the log.
public func errorResponse(for error: Error) -> (response: HTTPResponse, logDetail: String) {
    switch error {
    case let error as HTTPResponseError:
        return (.error(error.status, error.publicMessage, headers: error.extraHeaders), error.publicMessage)
    case let error where isTransientStorageFault(error):
        return (.error(503, "Storage unavailable, try again later"), String(describing: error))
    default:
        return (.error(500, "Internal error"), String(describing: error))
    }
}
