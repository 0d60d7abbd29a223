import Common
import GitHub

/// Sign in with GitHub for the console (issue 17), with the App's own OAuth client: a browser
/// without a session is sent to GitHub's authorize page with a signed `state` that carries the page
/// it asked for; GitHub sends it back to `<base>/callback` with a code, exchanged for a user token
/// that serves one `GET /user` (and the team checks) and is revoked at once. Only the logins in
/// HUBSYNC_ADMINS, and the active members of the HUBSYNC_ADMIN_TEAMS teams, get a session.
struct ConsoleSignIn {
    let services: CallbackServices

    /// The redirect to GitHub's authorize page.
    func start(_ request: HTTPRequest, base: String) throws -> HTTPResponse {
        guard let clientID = services.configuration.appClientID else {
            throw ConsoleError.notConfigured(detail: "GITHUB_APP_CLIENT_ID is not set")
        }
        let wanted = request.path + (request.query.isEmpty ? "" : "?" + request.query)
        let (state, cookie) = try services.signInState.issue(now: services.now(), carrying: Array(wanted.utf8.prefix(1000)))
        let location = services.configuration.gitHubURL + "/login/oauth/authorize?client_id=" + FormDecoding.percentEncode(clientID)
            + "&redirect_uri=" + FormDecoding.percentEncode(try callbackURL(request, base: base))
            + "&state=" + FormDecoding.percentEncode(state) + "&allow_signup=false"
        return HTTPResponse(status: 302, headers: [("Location", location), services.signInState.setCookie(cookie)] + ConsolePage.securityHeaders)
    }

    /// `<base>/callback`: the code exchanged, the login checked, the session set, and the page first
    /// asked for opened by this page itself (`opensAtOnce`). (A redirect would not do: the session cookie is
    /// SameSite=Strict, and a redirect chain that began on github.com is cross-site, so the browser
    /// would not send it to the next page.)
    func finish(_ request: HTTPRequest, base: String) throws -> HTTPResponse {
        let parameters = FormDecoding.parameters(request.query)
        if parameters["error"] == "access_denied" { throw ConsoleError.signInCancelled(base: base) }
        guard let code = parameters["code"], !code.isEmpty, let state = parameters["state"] else { throw ConsoleError.signInLinkInvalid(base: base) }
        let carried: [UInt8]
        do {
            carried = try services.signInState.verify(state, cookieValue: cookieValue(named: services.signInState.cookieName, in: request.header("cookie")),
                                                      now: services.now())
        } catch {
            throw ConsoleError.signInLinkInvalid(base: base)
        }
        let (login, team) = try signedInAdmin(code: code, redirectURI: try callbackURL(request, base: base), base: base)
        guard services.configuration.admins.contains(login.lowercased()) || team != nil else {
            services.logger.warn("console sign-in refused: not an admin", [("login", .string(login))])
            throw ConsoleSignIn.notAnAdmin(login, services.configuration)
        }
        let wanted = String(decoding: carried, as: UTF8.self)
        let destination = ConsoleSignIn.isConsolePath(wanted) ? wanted : base + "/"
        services.logger.info("console sign-in", [("login", .string(login)), ("team", .string(team ?? "-"))])
        return HTMLPage(title: "Signed in as \(login)", paragraphs: ["Opening the console…"], link: (text: "Open the console", url: destination),
                        opensAtOnce: destination)
            .response(status: 200, headers: [
                AdminSession.setCookie(services.adminSession.issue(login: login, team: team, now: services.now())), services.signInState.clearCookie(),
            ])
    }

    /// Whether the admin a session names may still enter: HUBSYNC_ADMINS names the login, or the
    /// team that let it in is still in HUBSYNC_ADMIN_TEAMS (membership is checked at each sign-in,
    /// so leaving the team closes the console at the session's end, in 8 hours at most).
    static func mayEnter(_ admin: AdminSession.Admin, _ configuration: Configuration) -> Bool {
        configuration.admins.contains(admin.login.lowercased()) || admin.team.map { configuration.adminTeams.contains($0) } ?? false
    }

    /// The 403 naming who may enter.
    static func notAnAdmin(_ login: String, _ configuration: Configuration) -> ConsoleError {
        .notAnAdmin(login: login, admins: configuration.admins.sorted() + configuration.adminTeams.map { "members of the team \($0)" })
    }

    /// Exchanges the code, reads the login, checks the teams when the login is not listed itself,
    /// and revokes the token (it is never kept).
    private func signedInAdmin(code: String, redirectURI: String, base: String) throws -> (login: String, team: String?) {
        do {
            let client = try GitHubClient(configuration: services.configuration)
            let grant: UserTokenGrant
            do {
                grant = try UserTokenGrant.request(client: client, configuration: services.configuration,
                                                   form: [("code", code), ("redirect_uri", redirectURI)])
            } catch TokenError.oauth {
                throw ConsoleError.signInLinkInvalid(base: base)
            }
            defer {
                do { try grant.revoke(client: client, configuration: services.configuration) } catch {
                    services.logger.warn("cannot revoke the user token after the console's sign-in", [("error", .string("\(error)"))])
                }
            }
            guard let login = try client.rest("GET", "/user", credential: .bearer(grant.accessToken)).json?["login"]?.stringValue,
                  Configuration.isGitHubLogin(login) else {
                throw ConsoleError.gitHubUnreachable
            }
            guard !services.configuration.admins.contains(login.lowercased()) else { return (login, nil) }
            return (login, try adminTeam(of: login, client: client, token: grant.accessToken))
        } catch let error as GitHubError {
            throw error.isUnreachable ? ConsoleError.gitHubUnreachable : ConsoleError.notConfigured(detail: "sign-in: \(error)")
        }
    }

    /// `<origin><base>/callback`, what the App's callback URLs must list (README, "Console").
    /// GitHub refuses a callback URL it does not list, so a forged Host only breaks the forger's
    /// own sign-in.
    func callbackURL(_ request: HTTPRequest, base: String) throws -> String {
        try origin(request) + base + "/callback"
    }

    /// The console's origin as the browser sees it: HUBSYNC_PUBLIC_URL's when set (behind a proxy
    /// that terminates TLS elsewhere), else the request's scheme, Host and server port (Debian's
    /// nginx passes Host without the port, which a browser's Origin header carries).
    func origin(_ request: HTTPRequest) throws -> String {
        if let publicURL = services.configuration.publicURL { return publicURL }
        guard let host = request.header("host"), !host.isEmpty, host.utf8.count <= 255,
              host.utf8.allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A || $0 >= 0x30 && $0 <= 0x3A || $0 == 0x2E || $0 == 0x2D || $0 == 0x5B || $0 == 0x5D })
        else { throw ConsoleError.badHost }
        let name = host.hasPrefix("[") ? String(host.prefix { $0 != "]" }) + "]" : String(host.prefix { $0 != ":" })
        let loopback = name == "localhost" || name == "[::1]" || name.hasPrefix("127.")
        let scheme = request.scheme == "http" || request.scheme == "https" ? request.scheme! : (loopback ? "http" : "https")
        let hasPort = host.hasPrefix("[") ? host.contains("]:") : host.contains(":")
        var port = ""
        if !hasPort, let serverPort = request.serverPort, let number = Int(serverPort), (1...65_535).contains(number),
           number != (scheme == "https" ? 443 : 80) {
            port = ":\(number)"
        }
        return scheme + "://" + host + port
    }

    /// The first HUBSYNC_ADMIN_TEAMS team `login` is an active member of (a pending invitation is
    /// not membership), asked with the user's own token.
    private func adminTeam(of login: String, client: GitHubClient, token: String) throws -> String? {
        for team in services.configuration.adminTeams {
            let parts = team.split(separator: "/")
            do {
                let answer = try client.rest("GET", "/orgs/\(parts[0])/teams/\(parts[1])/memberships/\(login)", credential: .bearer(token))
                if answer.json?["state"]?.stringValue == "active" { return team }
            } catch .http(status: 404, _) {
                continue  // not a member (or a team this user cannot see)
            } catch .http(let status, let message) {
                throw ConsoleError.notConfigured(detail: "checking the team \(team): GitHub answered \(status): \(message)"
                                                 + " (the App needs the Members organization permission, read)")
            }
        }
        return nil
    }

    /// A page of the console to return to after sign-in: never another site (`//evil`), never the callback.
    static func isConsolePath(_ path: String) -> Bool {
        ConsoleResponder.bases.contains { path == $0 || path.hasPrefix($0 + "/") } && !path.hasPrefix("//")
            && !path.contains("/callback") && path.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
