import Common

/// Why a console request did not get its page: each case is one page with its status and what to
/// do next. No case carries a token, a secret or GitHub's raw answer.
enum ConsoleError: Error, Equatable {
    case notFound
    case methodNotAllowed
    /// A POST without a valid session: it is not sent to sign in (it would be lost on the way).
    case signInRequired(base: String)
    case signInLinkInvalid(base: String)
    case signInCancelled(base: String)
    case notAnAdmin(login: String, admins: [String])
    /// A POST whose CSRF token is missing or wrong, or from another origin.
    case forbiddenForm(base: String)
    case badHost
    case gitHubUnreachable
    /// The detail is for the log only.
    case notConfigured(detail: String)

    var status: Int {
        switch self {
        case .notFound: 404
        case .methodNotAllowed: 405
        case .signInRequired, .notAnAdmin, .forbiddenForm, .signInLinkInvalid, .signInCancelled: 403
        case .badHost: 400
        case .gitHubUnreachable: 502
        case .notConfigured: 500
        }
    }

    var page: HTMLPage {
        switch self {
        case .notFound:
            return HTMLPage(title: "Not found", paragraphs: ["There is nothing at this address."], isError: true)
        case .methodNotAllowed:
            return HTMLPage(title: "Method not allowed", paragraphs: ["This address does not answer this method."], isError: true)
        case .signInRequired(let base):
            return HTMLPage(title: "Sign in first", paragraphs: ["Your session has ended; nothing was changed."],
                            link: (text: "Sign in with GitHub", url: base + "/"), isError: true)
        case .signInLinkInvalid(let base):
            return HTMLPage(title: "This sign-in link is not valid",
                            paragraphs: ["It has expired, was altered, was already used, or was started in another browser."],
                            link: (text: "Sign in again", url: base + "/"), isError: true)
        case .signInCancelled(let base):
            return HTMLPage(title: "Sign-in cancelled", paragraphs: ["GitHub did not authorize the sign-in."],
                            link: (text: "Sign in again", url: base + "/"), isError: true)
        case .notAnAdmin(let login, let admins):
            return HTMLPage(title: "\(login) may not enter the console",
                            paragraphs: [admins.isEmpty
                                ? "No one may: HUBSYNC_ADMINS is empty. An administrator of this server adds GitHub logins to it."
                                : "Only these GitHub accounts may (HUBSYNC_ADMINS, HUBSYNC_ADMIN_TEAMS):"],
                            items: admins, isError: true)
        case .forbiddenForm(let base):
            return HTMLPage(title: "This form was refused", paragraphs: ["It did not come from a page of this console; nothing was changed."],
                            link: (text: "Open the console", url: base + "/"), isError: true)
        case .badHost:
            return HTMLPage(title: "Bad request", paragraphs: ["The request's Host header is not a host name."], isError: true)
        case .gitHubUnreachable:
            return HTMLPage(title: "GitHub did not answer", paragraphs: ["Signing in needs GitHub. Try again in a moment."], isError: true)
        case .notConfigured:
            return HTMLPage(title: "The console is not configured",
                            paragraphs: ["The server's GitHub App settings are incomplete; `hubsync doctor` says what is missing."], isError: true)
        }
    }

    /// What the log gets beside the status.
    var logDetail: String {
        switch self {
        case .notConfigured(let detail): detail
        case .notAnAdmin(let login, _): "not an admin: \(login)"
        default: "\(self)"
        }
    }
}
