import Common
import Glibc

/// GitHub's REST API and OAuth endpoints over libcurl (docs/github-protocol.md, sections 10 and 12): the base
/// URLs come from the configuration (`GITHUB_API_URL`, `GITHUB_URL`), so GitHub Enterprise Server
/// and the tests' fake both work. Every call sends the headers GitHub asks for; network errors and
/// 5xx are retried up to 3 times with backoff and jitter; rate limits are reported with their reset
/// time instead of being retried blindly. One connection is reused across calls. Not thread-safe:
/// one client per thread (`GitHubClientPool`).
public final class GitHubClient {
    public static let apiVersion = "2022-11-28"
    public static let maxRetries = 3
    /// The largest answer read: a page of 100 pull requests is about 3 MB.
    public static let maxResponseBytes = 16 * 1024 * 1024
    let apiBaseURL: String
    /// Where absolute URLs from answers (pagination links) may point: the API base's scheme, host and port.
    private let apiOrigin: URLOrigin?
    let webBaseURL: String
    private let curl: CurlEasy
    private let userAgent: String
    private let connectTimeoutMilliseconds: Int
    private let totalTimeoutMilliseconds: Int
    /// Waits between retries; tests pass a recorder instead of sleeping.
    private let pause: (Double) -> Void

    public init(configuration: Configuration, pause: @escaping (Double) -> Void = { seconds in usleep(UInt32(seconds * 1_000_000)) })
        throws(GitHubError)
    {
        apiBaseURL = configuration.gitHubAPIURL
        webBaseURL = configuration.gitHubURL
        apiOrigin = URLOrigin(configuration.gitHubAPIURL)
        curl = try CurlEasy()
        userAgent = "pulser-hub-sync/\(BuildInfo.version)"
        connectTimeoutMilliseconds = configuration.gitHubConnectTimeoutMilliseconds
        totalTimeoutMilliseconds = configuration.gitHubTimeoutMilliseconds
        self.pause = pause
    }

    public struct Response {
        public var status: Int
        public var headers: [String: String]
        public var body: [UInt8]

        /// The body as JSON, or nil when it is not.
        public var json: JSONNode? { try? JSONDocument(parsing: body).root }
    }

    public enum Credential {
        case none
        /// An App JWT, an installation token or a user token: `Authorization: Bearer` (docs/github-protocol.md, section 7).
        case bearer(String)
        /// The OAuth client's id and secret (`DELETE /applications/{client_id}/token`).
        case basic(user: String, password: String)
    }

    /// A REST call: `path` is relative to the API base (`/app/installations/42`) or, for pagination
    /// links, an absolute URL GitHub gave us, which must be on the API base (same scheme, host and
    /// port): the call carries the App JWT or a token, which no other server may see. Answers with
    /// a 2xx or 3xx status; anything else throws.
    public func rest(_ method: String, _ path: String, credential: Credential, json: JSONValue? = nil,
                     extraHeaders: [String] = []) throws(GitHubError) -> Response {
        var headers = ["Accept: application/vnd.github+json", "X-GitHub-Api-Version: \(GitHubClient.apiVersion)",
                       "User-Agent: \(userAgent)"] + extraHeaders
        switch credential {
        case .bearer(let token): headers.append("Authorization: Bearer \(token)")
        case .basic(let user, let password): headers.append("Authorization: Basic " + Base64URL.encodeStandard(user + ":" + password))
        case .none: break
        }
        var body: [UInt8]?
        if let json {
            headers.append("Content-Type: application/json")
            body = JSONText.bytes(json)
        }
        let isAbsolute = path.lowercased().hasPrefix("http://") || path.lowercased().hasPrefix("https://")
        if isAbsolute {
            guard let origin = URLOrigin(path), origin == apiOrigin else {
                throw .invalidResponse("a link outside GITHUB_API_URL (\(String(path.prefix(100)))); not followed")
            }
        }
        let url = isAbsolute ? path : apiBaseURL + path
        let response = try send(method: method, url: url, headers: headers, body: body)
        guard response.status < 400 else { throw GitHubClient.error(for: response) }
        return response
    }

    /// `POST {GITHUB_URL}/login/oauth/access_token`, form-encoded so the client secret stays out of
    /// URLs and logs, with `Accept: application/json` (without it GitHub answers form-encoded).
    /// GitHub reports OAuth errors with HTTP 200 (docs/github-protocol.md, section 10): success is decided by the
    /// presence of `access_token`, by the caller.
    public func oauthAccessToken(form: [(String, String)]) throws(GitHubError) -> Response {
        let body = form.map { FormDecoding.percentEncode($0.0) + "=" + FormDecoding.percentEncode($0.1) }.joined(separator: "&")
        let response = try send(method: "POST", url: webBaseURL + "/login/oauth/access_token", headers: [
            "Accept: application/json", "Content-Type: application/x-www-form-urlencoded", "User-Agent: \(userAgent)",
        ], body: Array(body.utf8))
        guard response.status < 400 else { throw GitHubClient.error(for: response) }
        return response
    }

    /// Redirects for GET only, over https only (http too when the API base itself is a loopback
    /// test server), and answers up to `maxResponseBytes`.
    private func limits(for method: String) -> CurlEasy.Limits {
        CurlEasy.Limits(followsRedirects: method == "GET", redirectProtocols: apiOrigin?.scheme == "http" ? "http,https" : "https",
                        maxResponseBytes: GitHubClient.maxResponseBytes)
    }

    /// Sends with retries: network errors and 5xx are retried after 0.5, 1 and 2 s, each times a
    /// random factor from 0.5 to 1.5 so that many clients do not retry in step.
    private func send(method: String, url: String, headers: [String], body: [UInt8]?) throws(GitHubError) -> Response {
        var attempt = 0
        while true {
            do throws(GitHubError) {
                let raw = try curl.perform(method: method, url: url, headers: headers, body: body,
                                           connectTimeoutMilliseconds: connectTimeoutMilliseconds,
                                           totalTimeoutMilliseconds: totalTimeoutMilliseconds, limits: limits(for: method))
                let response = Response(status: raw.status, headers: raw.headers, body: raw.body)
                if response.status >= 500 && attempt < GitHubClient.maxRetries {
                    attempt += 1
                    pause(GitHubClient.backoffSeconds(attempt: attempt))
                    continue
                }
                if response.status >= 500 { throw GitHubError.server(status: response.status) }
                return response
            } catch {
                guard error.isUnreachable && attempt < GitHubClient.maxRetries else { throw error }
                attempt += 1
                pause(GitHubClient.backoffSeconds(attempt: attempt))
            }
        }
    }

    static func backoffSeconds(attempt: Int) -> Double {
        0.5 * Double(1 << (attempt - 1)) * Double.random(in: 0.5...1.5)
    }

    /// Rate limits (`403`/`429` with `retry-after` or `x-ratelimit-remaining: 0`) and GitHub's own
    /// error messages (`{"message": ...}`).
    static func error(for response: Response) -> GitHubError {
        let message = response.json?["message"]?.stringValue ?? "no message"
        if response.status == 403 || response.status == 429 {
            let retryAfter = response.headers["retry-after"].flatMap { Int($0) }
            let remaining = response.headers["x-ratelimit-remaining"]
            // A secondary limit may come with neither header, only a message naming it (docs/github-protocol.md, 13).
            if retryAfter != nil || remaining == "0" || message.lowercased().contains("secondary rate limit") {
                // The reset time is the primary limit's: it says when to go on only if that one is spent.
                let resetAt = remaining == "0" ? response.headers["x-ratelimit-reset"].flatMap { Int64($0) } : nil
                return .rateLimited(resetAt: resetAt, retryAfterSeconds: retryAfter)
            }
        }
        return .http(status: response.status, message: String(message.prefix(200)))
    }
}

