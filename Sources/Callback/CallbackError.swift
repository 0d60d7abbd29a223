import Common

/// Why an install callback did not succeed: each case is one page, with its status and what the
/// person should do next. No case carries a token, a secret or GitHub's raw answer.
public enum CallbackError: Error, Equatable {
    case methodNotAllowed
    case notFound
    case missingParameters
    case invalidInstallationID
    /// GitHub sends `install`, `update` or `request` (docs/github-protocol.md, section 11); anything else was not sent by GitHub.
    case invalidSetupAction
    case invalidState
    case badVerificationCode
    case oauthRefused(code: String)
    case installationNotOwned
    /// The user reaches the installation's repositories but cannot manage it (not the account, not
    /// an owner of the organization) and did not start from the install link.
    case installationNotManaged(account: String)
    case installationSuspended(account: String)
    case gitHubUnreachable
    case rateLimited(retryAt: String?)
    /// The detail is for the log only.
    case notConfigured(detail: String)

    public var status: Int {
        switch self {
        case .methodNotAllowed: 405
        case .notFound: 404
        case .missingParameters, .invalidInstallationID, .invalidSetupAction, .badVerificationCode, .oauthRefused: 400
        case .invalidState, .installationNotOwned, .installationNotManaged, .installationSuspended: 403
        case .gitHubUnreachable: 502
        case .rateLimited: 503
        case .notConfigured: 500
        }
    }

    public var page: HTMLPage {
        let retry = (text: "Start the installation again", url: "/github/install")
        switch self {
        case .methodNotAllowed:
            return HTMLPage(title: "Method not allowed", paragraphs: ["This address only answers GET requests."], isError: true)
        case .notFound:
            return HTMLPage(title: "Not found", paragraphs: ["There is nothing at this address."], isError: true)
        case .missingParameters:
            return HTMLPage(title: "Missing authorization code or installation ID",
                            paragraphs: ["GitHub sends both when it returns you here after an installation. Open this page from GitHub's installation flow."],
                            link: retry, isError: true)
        case .invalidInstallationID:
            return HTMLPage(title: "Invalid installation ID", paragraphs: ["The installation ID must be a number."], link: retry, isError: true)
        case .invalidSetupAction:
            return HTMLPage(title: "Unknown setup action",
                            paragraphs: ["GitHub returns here with setup_action install, update or request. Open this page from GitHub's installation flow."],
                            link: retry, isError: true)
        case .invalidState:
            return HTMLPage(title: "This installation link is not valid",
                            paragraphs: ["It has expired, was altered, or was started in another browser. Start again from this site."],
                            link: retry, isError: true)
        case .badVerificationCode:
            return HTMLPage(title: "The authorization code has expired or was already used",
                            paragraphs: ["GitHub's codes are valid once and for ten minutes. Start the installation again."],
                            link: retry, isError: true)
        case .oauthRefused(let code):
            return HTMLPage(title: "GitHub refused the authorization",
                            paragraphs: ["GitHub answered: \(code). Check the App's client ID, client secret and callback URL, then try again."],
                            link: retry, isError: true)
        case .installationNotOwned:
            return HTMLPage(title: "This installation does not belong to your GitHub account",
                            paragraphs: ["Nothing was recorded. Install the App from your own account, or ask an owner of the account to do it."],
                            link: retry, isError: true)
        case .installationNotManaged(let account):
            return HTMLPage(title: "Only an owner of \(account) can register this installation",
                            paragraphs: ["Your account can reach some of its repositories, but not manage the installation. Nothing was recorded. "
                                         + "Ask an owner of \(account), or start the installation from this site's install link."],
                            link: retry, isError: true)
        case .installationSuspended(let account):
            return HTMLPage(title: "This installation is suspended",
                            paragraphs: ["The installation on \(account) is suspended. Only whoever suspended it can unsuspend it, in the account's GitHub App settings."],
                            isError: true)
        case .gitHubUnreachable:
            return HTMLPage(title: "Could not reach GitHub",
                            paragraphs: ["Nothing was recorded. Try again in a few minutes."], link: retry, isError: true)
        case .rateLimited(let retryAt):
            return HTMLPage(title: "GitHub is limiting requests from this App",
                            paragraphs: ["Try again " + (retryAt.map { "after \($0) UTC." } ?? "in a few minutes.")], link: retry, isError: true)
        case .notConfigured:
            // The detail (which setting, which file) goes to the log line, not to the visitor.
            return HTMLPage(title: "This server is not fully configured",
                            paragraphs: ["Nothing was recorded. The administrator can find the cause with `hubsync doctor` and in the server log."],
                            isError: true)
        }
    }

    /// What the request's log line records.
    public var logDetail: String {
        switch self {
        case .notConfigured(let detail): "not configured: \(detail)"
        case .oauthRefused(let code): "oauth refused: \(code)"
        default: "\(self)"
        }
    }

    public var response: HTTPResponse {
        status == 405 ? page.response(status: status, headers: [("Allow", "GET, HEAD")]) : page.response(status: status)
    }
}
