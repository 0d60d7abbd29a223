import Callback
import Common
import Glibc

/// Wiring only: read the configuration, build the services, serve.
@main
struct CallbackMain {
    static let usage = """
        Usage: callback-fcgi [--socket PATH|127.0.0.1:PORT [--workers [N]] [--socket-mode 0660] [--socket-group GROUP]]

        Serves the browser that GitHub sends back after an App installation (/github/auth/callback and
        /odoo/github/auth/callback) and the install link with CSRF protection (/github/install): exchanges
        the OAuth code, checks that the installation belongs to the user, records it, shows a page.

        Configuration: GITHUB_APP_ID or GITHUB_APP_CLIENT_ID, GITHUB_APP_CLIENT_SECRET_PATH (or
        GITHUB_APP_CLIENT_SECRET), GITHUB_APP_PEM_PATH, GITHUB_APP_SLUG, GITHUB_URL, GITHUB_API_URL, HUBSYNC_DB,
        HUBSYNC_TOKEN_KEY_FILE (see README.md).
        """

    static func main() {
        let program = FastCGIProgram(name: "callback-fcgi", version: BuildInfo.version, usage: usage)
        // A client secret file that cannot be read stops the program at start (exit 78), not at
        // the first user's callback.
        let status = program.run(arguments: Array(CommandLine.arguments.dropFirst()), environment: currentEnvironment(),
                                 validate: { configuration throws(ConfigurationError) in _ = try configuration.clientSecret() }) {
            context in
            let services = try CallbackServices(configuration: context.configuration, logger: context.logger)
            return Responder(respond: CallbackResponder(services: services).respond)
        }
        exit(status)
    }
}
