import Common
import GitHub

/// The browser's return from GitHub after an installation (`GET /github/auth/callback`, docs/github-protocol.md
/// section 11). The installation_id in this URL can be forged by anyone, so it is trusted only
/// after GitHub confirms, with the visitor's own user token, that the installation is among theirs.
/// Among theirs is not enough to be recorded as its installer: `GET /user/installations` also lists
/// an organization's installation to a member or an outside collaborator on one repository. So the
/// visitor must manage it: be the account itself, an owner of the organization, or come back through
/// a flow that started at this site's install link (a signed `state` bound to this browser). The
/// user's token serves these checks only, and is revoked afterwards.
struct InstallationCallback {
    let services: CallbackServices

    func handle(_ request: HTTPRequest) throws -> HTTPResponse {
        let parameters = FormDecoding.parameters(request.query)
        // Checked before anything is sent to GitHub, so that a forged link spends no code.
        if let action = parameters["setup_action"], !["install", "update", "request"].contains(action) {
            throw CallbackError.invalidSetupAction
        }
        // A member asked an owner to install: no installation exists yet (docs/github-protocol.md, section 11).
        if parameters["setup_action"] == "request" {
            return HTMLPage(title: "Installation requested",
                            paragraphs: ["Your request was sent to the account's owners. The App will be installed once an owner approves it; nothing else is needed from you."])
                .response(status: 200)
        }
        guard let code = parameters["code"], !code.isEmpty, let idText = parameters["installation_id"], !idText.isEmpty else {
            throw CallbackError.missingParameters
        }
        guard idText.utf8.count <= 18, idText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let installationID = Int64(idText),
              installationID > 0
        else { throw CallbackError.invalidInstallationID }
        let installCookie = cookieValue(named: services.installState.cookieName, in: request.header("cookie"))
        var startedAtInstallLink = false
        if let state = parameters["state"] {
            do {
                try services.installState.verify(state, cookieValue: installCookie, now: services.now())
                startedAtInstallLink = true
            } catch {
                throw CallbackError.invalidState
            }
        } else if installCookie != nil {
            // This browser started at the install link: GitHub brings the state back, so a return
            // without it is not that flow's (a link crafted to drop it).
            throw CallbackError.invalidState
        }
        return try withGitHub { client, tokens, database in
            let grant: UserTokenGrant
            do {
                grant = try UserTokenGrant.request(client: client, configuration: services.configuration, form: [("code", code)])
            } catch TokenError.oauth(let code) {
                throw code == "bad_verification_code" ? CallbackError.badVerificationCode : CallbackError.oauthRefused(code: code)
            }
            let user = try client.rest("GET", "/user", credential: .bearer(grant.accessToken)).json
            guard let userID = user?["id"]?.int64Value, let login = user?["login"]?.stringValue else {
                throw GitHubError.invalidResponse("/user without id or login")
            }
            defer { revoke(grant, client: client) }
            guard try userCanReach(installationID, client: client, userToken: grant.accessToken) else {
                throw CallbackError.installationNotOwned
            }
            let jwt = try AppJWT.make(configuration: services.configuration, now: services.now())
            guard let installation = try client.rest("GET", "/app/installations/\(installationID)", credential: .bearer(jwt)).json else {
                throw GitHubError.invalidResponse("the installation is not JSON")
            }
            let account = installation["account"]
            let accountName = account?["login"]?.stringValue ?? account?["slug"]?.stringValue ?? "account \(installationID)"
            guard try startedAtInstallLink
                    || userManages(installation, userID: userID, client: client, userToken: grant.accessToken) else {
                throw CallbackError.installationNotManaged(account: accountName)
            }
            let isSuspended = installation["suspended_at"].map { !$0.isNull } ?? false
            let now = services.now().iso8601
            try IntegrationStore(database: database).save(Integration(
                installationID: installationID, accountLogin: accountName, accountID: account?["id"]?.int64Value,
                accountType: installation["target_type"]?.stringValue ?? account?["type"]?.stringValue,
                repositorySelection: installation["repository_selection"]?.stringValue,
                permissions: installation["permissions"]?.value.jsonText, events: installation["events"]?.value.jsonText,
                setupAction: parameters["setup_action"], installedByLogin: login, installedByID: userID,
                status: isSuspended ? "suspended" : "active", suspendedAt: installation["suspended_at"]?.stringValue,
                createdAt: now, updatedAt: now))
            if isSuspended { throw CallbackError.installationSuspended(account: accountName) }
            _ = try tokens.installationToken(for: installationID)
            return successPage(account: accountName, installation: installation)
                .response(status: 200, headers: [services.installState.clearCookie()])
        }
    }

    /// `GET /user/installations` (page-number pagination, up to 100 per page): the installations of
    /// this App that the user can reach (docs/github-protocol.md, section 9).
    private func userCanReach(_ installationID: Int64, client: GitHubClient, userToken: String) throws -> Bool {
        var page = 1
        while page <= 50 {
            let json = try client.rest("GET", "/user/installations?per_page=100&page=\(page)", credential: .bearer(userToken)).json
            let installations = json?["installations"]?.arrayValue ?? []
            if installations.contains(where: { $0["id"]?.int64Value == installationID }) { return true }
            if installations.count < 100 { return false }
            page += 1
        }
        return false
    }

    /// Whether the user manages the installation: it is their own account, or its organization's
    /// `GET /user/memberships/orgs/{org}` says they are an active owner (`admin`). A member, an
    /// outside collaborator or an enterprise account is not proven here.
    private func userManages(_ installation: JSONNode, userID: Int64, client: GitHubClient, userToken: String) throws -> Bool {
        let account = installation["account"]
        let kind = installation["target_type"]?.stringValue ?? account?["type"]?.stringValue
        switch kind {
        case "User":
            return account?["id"]?.int64Value == userID
        case "Organization":
            guard let login = account?["login"]?.stringValue,
                  login.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 45 })
            else { return false }
            let answer = Result { () throws(GitHubError) in
                try client.rest("GET", "/user/memberships/orgs/\(login)", credential: .bearer(userToken))
            }
            switch answer {
            case .success(let response):
                return response.json?["role"]?.stringValue == "admin" && response.json?["state"]?.stringValue == "active"
            case .failure(.http(let status, _)) where status == 403 || status == 404:
                return false  // not a member, or the App may not read memberships
            case .failure(let error):
                throw error
            }
        default:
            return false
        }
    }

    /// Revokes the user's token once the checks are done; a failure is logged, not shown (the
    /// token expires by itself, and the visitor's page does not depend on it).
    private func revoke(_ grant: UserTokenGrant, client: GitHubClient) {
        do {
            try grant.revoke(client: client, configuration: services.configuration)
        } catch {
            services.logger.warn("cannot revoke the user token after the callback", [("error", .string("\(error)"))])
        }
    }

    private func successPage(account: String, installation: JSONNode) -> HTMLPage {
        let selection = installation["repository_selection"]?.stringValue == "all"
            ? "It can see all repositories of \(account)." : "It can see the repositories of \(account) that were selected."
        let permissions = (installation["permissions"]?.members ?? []).map { "\($0.key): \($0.value.stringValue ?? "")" }.sorted()
        return HTMLPage(title: "Pulser Hub Sync is installed on \(account)",
                        paragraphs: [selection, permissions.isEmpty ? "It asked for no permissions." : "Its permissions:"],
                        items: permissions)
    }

    /// Runs `body` with a GitHub client, the token service and the database of this request, and
    /// turns GitHub's failures into the pages they deserve.
    private func withGitHub(_ body: (GitHubClient, TokenService, Database) throws -> HTTPResponse) throws -> HTTPResponse {
        do {
            let database = try Database(configuration: services.configuration)
            let client = try GitHubClient(configuration: services.configuration)
            let tokens = try TokenService(configuration: services.configuration, client: client, database: database,
                                          box: services.tokenBox, now: services.now)
            return try body(client, tokens, database)
        } catch let error as GitHubError {
            switch error {
            case .network, .timedOut, .server: throw CallbackError.gitHubUnreachable
            case .rateLimited(let resetAt, let retryAfter):
                let retryAt = retryAfter.map { services.now().adding(seconds: Int64($0)) }
                    ?? resetAt.flatMap { Timestamp(secondsSinceEpoch: $0) }
                throw CallbackError.rateLimited(retryAt: retryAt.map { String($0.iso8601.prefix(16)).replacingT() })
            case .configuration(let what): throw CallbackError.notConfigured(detail: what)
            case .http(let status, _) where status == 404 || status == 403 || status == 401:
                // The App cannot see the installation (uninstalled since) or the user token was refused.
                throw CallbackError.installationNotOwned
            case .http, .invalidResponse: throw CallbackError.gitHubUnreachable
            }
        } catch let error as AppJWTError {
            throw CallbackError.notConfigured(detail: error.description)
        }
    }
}

extension String {
    func replacingT() -> String { String(map { $0 == "T" ? " " : $0 }) }
}
