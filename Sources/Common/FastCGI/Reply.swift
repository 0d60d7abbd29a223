/// A responder's answer to one request: the response, the fields for the request's log line, and
/// work to run after the response has been sent and the FastCGI request finished ("answer
/// first, then handle": a slow handler never holds the client).
public struct Reply {
    public var response: HTTPResponse
    public var logFields: [(String, LogValue)]
    public var afterResponse: (() -> Void)?

    public init(response: HTTPResponse, logFields: [(String, LogValue)] = [], afterResponse: (() -> Void)? = nil) {
        self.response = response
        self.logFields = logFields
        self.afterResponse = afterResponse
    }
}

/// What a FastCGI program does with requests. `respond` is a plain function of a request value,
/// so unit tests call it without FastCGI; `workerStarted` runs once per worker process before its
/// first request (the webhook program finishes events a crash left pending there).
///
/// `respond` is called from several request threads at once; `workerStarted` and `workerStopping`
/// run on the main thread, before the first and after the last request.
public struct Responder: Sendable {
    public var respond: @Sendable (HTTPRequest) -> Reply
    public var workerStarted: @Sendable () -> Void
    public var workerStopping: @Sendable () -> Void

    public init(respond: @escaping @Sendable (HTTPRequest) -> Reply, workerStarted: @escaping @Sendable () -> Void = {},
                workerStopping: @escaping @Sendable () -> Void = {}) {
        self.respond = respond
        self.workerStarted = workerStarted
        self.workerStopping = workerStopping
    }
}
