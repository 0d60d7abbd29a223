import Glibc
import Common
import GitHub

/// Runs one action on one stored delivery, once: forwards it (`Forwarder`) or runs its command
/// (`CommandRunner`, with the delivery's variables and, with WITH_TOKEN, an installation token).
/// What a dispatcher's lane does for each try, and what `hubsync actions test` does by hand.
/// Used by one thread at a time (its HTTP handle is kept between tries).
public final class ActionExecutor {
    public struct Result: Sendable, Equatable {
        public var succeeded: Bool
        /// The destination's Retry-After, in seconds.
        public var retryAfterSeconds: Int?
        /// What happened: "HTTP 503: ...", "exit 1: <end of the output>", "timed out after 30s".
        public var summary: String
        /// The action's retry schedule (empty when the action could not be read: the item is dead).
        public var schedule: [Int]

        public init(succeeded: Bool, retryAfterSeconds: Int? = nil, summary: String, schedule: [Int]) {
            self.succeeded = succeeded
            self.retryAfterSeconds = retryAfterSeconds
            self.summary = summary
            self.schedule = schedule
        }
    }

    private let environment: DispatchEnvironment
    private var forwarder: Forwarder?

    public init(environment: DispatchEnvironment) { self.environment = environment }

    public func run(_ action: ActionDefinition, on work: OutboxWork) -> Result {
        func failed(_ summary: String) -> Result { Result(succeeded: false, summary: summary, schedule: action.retrySchedule) }
        switch action.target {
        case .forward(let url, let secret):
            do {
                let forwarder = try self.forwarder ?? Forwarder(version: environment.version)
                self.forwarder = forwarder
                let result = forwarder.forward(work, to: url, signature: action.forwardSignature, secret: secret, now: environment.now(),
                                               timeoutSeconds: action.timeoutSeconds)
                return Result(succeeded: result.succeeded, retryAfterSeconds: result.retryAfterSeconds, summary: result.summary,
                              schedule: action.retrySchedule)
            } catch {
                return failed("\(error)")
            }
        case .command(let arguments):
            var variables = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HUBSYNC_ACTION_NAME": action.name,
                             "HUBSYNC_EVENT": work.event, "HUBSYNC_DELIVERY": work.deliveryID, "HUBSYNC_HOOK_ID": String(work.hookID),
                             "HUBSYNC_ATTEMPT": String(work.attempts)]
            if let home = getenv("HOME") { variables["HOME"] = String(cString: home) }
            if let value = work.eventAction { variables["HUBSYNC_ACTION"] = value }
            if let value = work.repository { variables["HUBSYNC_REPOSITORY"] = value }
            if let value = work.installationID { variables["HUBSYNC_INSTALLATION_ID"] = String(value) }
            if action.withToken {
                guard let installationID = work.installationID else { return failed("WITH_TOKEN: the delivery names no installation") }
                guard let token = environment.installationToken else {
                    return failed("WITH_TOKEN: the GitHub App is not configured (GITHUB_APP_ID, GITHUB_APP_PEM_PATH)")
                }
                do {
                    variables["GH_TOKEN"] = try token(installationID)
                } catch {
                    return failed("WITH_TOKEN: cannot get an installation token: \(error)")
                }
                variables["GITHUB_API_URL"] = environment.configuration.gitHubAPIURL
            }
            switch CommandRunner.run(arguments, environment: variables, standardInput: work.body, timeoutSeconds: action.timeoutSeconds) {
            case .failure(let failure):
                return failed(failure.description)
            case .success(let outcome):
                // The output is kept with the item and logged: a script that prints its token must
                // not leave it there in plain text.
                let output = variables["GH_TOKEN"].map { redacting($0, in: outcome.output) } ?? outcome.output
                var tail = String(decoding: output.suffix(1000), as: UTF8.self)
                while let last = tail.last, last.isWhitespace { tail.removeLast() }
                let how = outcome.timedOut ? "timed out after \(action.timeoutSeconds)s"
                    : outcome.exitStatus.map { "exit \($0)" } ?? "signal \(outcome.signal ?? 0)"
                return Result(succeeded: outcome.succeeded, summary: tail.isEmpty ? how : "\(how): \(tail)", schedule: action.retrySchedule)
            }
        }
    }
}

/// `bytes` with every occurrence of `secret` replaced by `[redacted]`.
func redacting(_ secret: String, in bytes: [UInt8]) -> [UInt8] {
    let needle = Array(secret.utf8)
    guard !needle.isEmpty, bytes.count >= needle.count else { return bytes }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var index = 0
    while index < bytes.count {
        if index + needle.count <= bytes.count && bytes[index] == needle[0] && Array(bytes[index..<index + needle.count]) == needle {
            out += Array("[redacted]".utf8)
            index += needle.count
        } else {
            out.append(bytes[index])
            index += 1
        }
    }
    return out
}
