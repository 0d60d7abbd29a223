import Common
import GitHub

/// GETs pages from the REST API for the backfill, one request at a time (GitHub asks for no
/// concurrent requests), waiting out rate limits instead of failing: before a request when the
/// last answer said the primary limit is spent, and after a refusal as `RateLimitWait` says.
final class PageReader {
    private let client: GitHubClient
    private let maximumWaitSeconds: Int64
    private let sleep: (Int64) -> Void
    private let progress: (String) -> Void
    private let now: () -> Timestamp
    /// When the primary limit lifts, if the last answer spent it.
    private var spentUntil: Int64?
    private(set) var requests = 0
    private(set) var waits = 0

    init(client: GitHubClient, maximumWaitSeconds: Int64, sleep: @escaping (Int64) -> Void, progress: @escaping (String) -> Void,
         now: @escaping () -> Timestamp) {
        self.client = client
        self.maximumWaitSeconds = maximumWaitSeconds
        self.sleep = sleep
        self.progress = progress
        self.now = now
    }

    /// One page: its JSON and the next page's URL. `credential` is asked before every try, so a
    /// token that expired during a long wait is replaced.
    func get(_ url: String, credential: () throws -> GitHubClient.Credential) throws -> (json: JSONNode, next: String?) {
        var attempt = 0
        while true {
            if let resetAt = spentUntil {
                spentUntil = nil
                try wait(RateLimitWait.seconds(resetAt: resetAt, retryAfterSeconds: nil, now: now().secondsSinceEpoch, attempt: 1),
                         reason: "GitHub's rate limit is spent until it resets")
            }
            attempt += 1
            requests += 1
            do {
                let response = try client.rest("GET", url, credential: try credential())
                if response.headers["x-ratelimit-remaining"] == "0" {
                    spentUntil = response.headers["x-ratelimit-reset"].flatMap { Int64($0) }
                }
                guard let json = response.json else { throw GitHubError.invalidResponse("a page that is not JSON") }
                return (json, nextPageURL(linkHeader: response.headers["link"]))
            } catch let error as GitHubError {
                guard case .rateLimited(let resetAt, let retryAfter) = error else { throw error }
                let seconds = RateLimitWait.seconds(resetAt: resetAt, retryAfterSeconds: retryAfter,
                                                    now: now().secondsSinceEpoch, attempt: attempt)
                guard let seconds else { throw BackfillError.interrupted("GitHub kept refusing for its rate limit") }
                try wait(seconds, reason: error.description)
            }
        }
    }

    private func wait(_ seconds: Int64?, reason: String) throws {
        guard let seconds, seconds > 0 else { return }
        let until = now().adding(seconds: seconds)
        guard seconds <= maximumWaitSeconds else { throw BackfillError.rateLimitedUntil(until) }
        waits += 1
        progress("\(reason): waiting \(seconds) s, until \(until.iso8601)")
        sleep(seconds)
    }
}
