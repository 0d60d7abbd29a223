import Common

/// The callback program's routes, as one plain function of a request (unit tests call it directly):
/// the install link, the installation callback and the console, each under the Odoo module's URL too.
public struct CallbackResponder: Sendable {
    public static let callbackPaths: Set<String> = ["/github/auth/callback", "/odoo/github/auth/callback"]
    public static let installPaths: Set<String> = ["/github/install", "/odoo/github/install"]
    let services: CallbackServices

    public init(services: CallbackServices) { self.services = services }

    public func respond(_ request: HTTPRequest) -> Reply {
        do {
            return Reply(response: try route(request))
        } catch let error as CallbackError {
            return Reply(response: error.response, logFields: [("error", .string(error.logDetail))])
        } catch let error as ConsoleError {
            return Reply(response: error.page.response(status: error.status), logFields: [("error", .string(error.logDetail))])
        } catch {
            // Anything unexpected: a plain 500 page; the detail goes only to the log.
            services.logger.error("callback failed", [("error", .string("\(error)"))])
            return Reply(response: HTMLPage(title: "Something went wrong", paragraphs: ["Nothing was recorded. Try again later."],
                                            isError: true).response(status: 500))
        }
    }

    func route(_ request: HTTPRequest) throws -> HTTPResponse {
        if let base = ConsoleResponder.base(of: request.path) { return try ConsoleResponder(services: services).route(request, base: base) }
        let isCallback = CallbackResponder.callbackPaths.contains(request.path)
        guard isCallback || CallbackResponder.installPaths.contains(request.path) else { throw CallbackError.notFound }
        guard request.method == "GET" || request.method == "HEAD" else { throw CallbackError.methodNotAllowed }
        // HEAD must not spend a single-use code or start an installation.
        if request.method == "HEAD" { return HTTPResponse(status: 200, headers: [("Content-Type", "text/html; charset=utf-8")] + HTMLPage.securityHeaders) }
        return isCallback ? try InstallationCallback(services: services).handle(request) : try InstallLink(services: services).handle(request)
    }
}
