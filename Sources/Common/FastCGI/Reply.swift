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
public struct Responder {
    public var respond: (HTTPRequest) -> Reply
    public var workerStarted: () -> Void

    public init(respond: @escaping (HTTPRequest) -> Reply, workerStarted: @escaping () -> Void = {}) {
        self.respond = respond
        self.workerStarted = workerStarted
    }
}
