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
/// so unit tests call it without FastCGI. `background`, when set, is work done apart from the
/// requests (the webhook program's event runner): under `--workers` in a process of its own, so
/// that work which kills its process never takes a request down with it; in a process that serves
/// alone, on a thread of its own.
///
/// `respond` is called from several request threads at once; `workerStopping` runs on the main
/// thread after the last request.
public struct Responder: Sendable {
    public var respond: @Sendable (HTTPRequest) -> Reply
    public var background: BackgroundWork?
    public var workerStopping: @Sendable () -> Void

    public init(respond: @escaping @Sendable (HTTPRequest) -> Reply, background: BackgroundWork? = nil,
                workerStopping: @escaping @Sendable () -> Void = {}) {
        self.respond = respond
        self.background = background
        self.workerStopping = workerStopping
    }
}

/// Work a program does apart from requests, in passes: `pass` does what is due and returns how
/// much it did; the program calls it again `gatherMilliseconds` later while there is work, and
/// otherwise after a `WorkSignal` or `idleMilliseconds`.
public struct BackgroundWork: Sendable {
    public var pass: @Sendable () -> Int
    public var idleMilliseconds: Int
    /// The pause after a pass that found work: the work that arrives meanwhile is done by the next
    /// pass together, in fewer and larger commits, instead of one pass per wake-up.
    public var gatherMilliseconds: Int

    public init(idleMilliseconds: Int, gatherMilliseconds: Int = 0, pass: @escaping @Sendable () -> Int) {
        self.pass = pass
        self.idleMilliseconds = idleMilliseconds
        self.gatherMilliseconds = gatherMilliseconds
    }
}

/// What a program's `makeResponder` gets, once per process.
public struct ProgramContext: Sendable {
    public let configuration: Configuration
    public let logger: Logger
    /// The program's own flags from the command line.
    public let flags: [String]
    public let environment: [String: String]
    /// What a request calls once it has stored work for `background`.
    public let workSignal: WorkSignal
    /// True in the process that does the background work alone (under `--workers`): it serves no
    /// request, so it may end itself when a piece of work overruns (a watchdog).
    public let isBackgroundProcess: Bool
}
