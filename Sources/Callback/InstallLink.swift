import Common
import GitHub

/// `GET /github/install`: sends the browser to the App's installation page on GitHub with a signed
/// `state`, and sets the cookie that binds that state to this browser.
struct InstallLink {
    let services: CallbackServices

    func handle(_ request: HTTPRequest) throws -> HTTPResponse {
        let slug = try services.configuration.appSlug ?? services.appSlug.slug(now: services.now(), fetch: fetchSlug)
        let (state, cookie) = try services.installState.issue(now: services.now())
        let location = services.configuration.gitHubURL + "/apps/\(slug)/installations/new?state=" + state
        return HTTPResponse(status: 302, headers: [("Location", location), services.installState.setCookie(cookie)] + HTMLPage.securityHeaders)
    }

    /// The App's slug from `GET /app` with the App JWT, when GITHUB_APP_SLUG is not set.
    private func fetchSlug() throws -> String {
        do {
            let jwt = try AppJWT.make(configuration: services.configuration, now: services.now())
            let client = try GitHubClient(configuration: services.configuration)
            guard let slug = try client.rest("GET", "/app", credential: .bearer(jwt)).json?["slug"]?.stringValue else {
                throw CallbackError.gitHubUnreachable
            }
            return slug
        } catch let error as AppJWTError {
            throw CallbackError.notConfigured(detail: "GITHUB_APP_SLUG unset and " + error.description)
        } catch let error as GitHubError {
            throw error.isUnreachable ? CallbackError.gitHubUnreachable : CallbackError.notConfigured(detail: "GET /app: \(error)")
        }
    }
}
