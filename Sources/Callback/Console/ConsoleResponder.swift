import Common

/// The console's routes (issue 17), under `/github/admin` and the Odoo module's `/odoo/github/admin`:
/// a plain function of a request, as the callback's. Every page but the sign-in callback needs a
/// valid session of a login still in HUBSYNC_ADMINS; a GET without one is sent to sign in, a POST
/// without one (or without its CSRF token) is refused.
struct ConsoleResponder {
    static let bases = ["/github/admin", "/odoo/github/admin"]
    let services: CallbackServices

    /// The console's base path for `path`, if it is one of its pages.
    static func base(of path: String) -> String? {
        bases.first { path == $0 || path.hasPrefix($0 + "/") }
    }

    func route(_ request: HTTPRequest, base: String) throws -> HTTPResponse {
        let page = String(request.path.dropFirst(base.count))
        if page == "/callback" {
            guard request.method == "GET" else { throw ConsoleError.methodNotAllowed }
            return try ConsoleSignIn(services: services).finish(request, base: base)
        }
        let admin: AdminSession.Admin
        do {
            admin = try services.adminSession.verify(cookieValue(named: AdminSession.cookieName, in: request.header("cookie")), now: services.now())
        } catch {
            guard request.method == "GET" || request.method == "HEAD" else { throw ConsoleError.signInRequired(base: base) }
            return try ConsoleSignIn(services: services).start(request, base: base)
        }
        // Removed from HUBSYNC_ADMINS since signing in: the session no longer opens anything.
        guard ConsoleSignIn.mayEnter(admin, services.configuration) else {
            throw ConsoleSignIn.notAnAdmin(admin.login, services.configuration)
        }
        if request.method == "POST" {
            try checkForm(request, admin: admin, base: base)
        } else if request.method != "GET" && request.method != "HEAD" {
            throw ConsoleError.methodNotAllowed
        }
        let pages = ConsoleEventPages(services: services, base: base, admin: admin)
        let segments = page.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        let adminPages = ConsoleAdminPages(services: services, base: base, admin: admin)
        if request.method == "POST" {
            guard segments.count == 3, let id = eventID(segments[1]) else { throw ConsoleError.notFound }
            switch (segments[0], segments[2]) {
            case ("events", "reprocess"): return try pages.reprocess(id: id)
            case ("outbox", "retry"): return try adminPages.retry(itemID: id)
            default: throw ConsoleError.notFound
            }
        }
        if segments.isEmpty || segments == [""] { return try pages.overview() }
        if segments == ["events"] { return try pages.list(FormDecoding.parameters(request.query)) }
        if segments == ["integrations"] { return try adminPages.integrations() }
        if segments == ["outbox"] { return try adminPages.outbox(FormDecoding.parameters(request.query)) }
        if segments.count == 2, segments[0] == "events" {
            guard let id = eventID(segments[1]) else { throw ConsoleError.notFound }
            return try pages.event(id: id)
        }
        throw ConsoleError.notFound
    }

    /// Digits only, as `hubsync events list` and `hubsync outbox list` print ids (no sign, no leading zero).
    private func eventID(_ text: String) -> Int64? {
        guard let id = Int64(text), id > 0, String(id) == text else { return nil }
        return id
    }

    /// A POST must come from a page of this console: the session's CSRF token in the form, and no
    /// Origin header naming another origin (a browser sends it with every form POST; "null" from a
    /// sandboxed or privacy-stripped context is refused too).
    private func checkForm(_ request: HTTPRequest, admin: AdminSession.Admin, base: String) throws {
        let form = FormDecoding.value(named: "csrf", in: request.body).map { String(decoding: $0, as: UTF8.self) }
        guard AdminSession.isValidCSRF(form, for: admin) else { throw ConsoleError.forbiddenForm(base: base) }
        if let origin = request.header("origin"), origin != (try? ConsoleSignIn(services: services).origin(request)) {
            throw ConsoleError.forbiddenForm(base: base)
        }
    }
}
