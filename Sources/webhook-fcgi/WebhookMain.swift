import Common
import Webhooks
import Glibc

/// Wiring only: read the configuration, build the services, serve.
@main
struct WebhookMain {
    static let usage = """
        Usage: webhook-fcgi [--socket PATH|127.0.0.1:PORT [--workers [N]] [--socket-mode 0660] [--socket-group GROUP]]

        Receives GitHub webhook deliveries over FastCGI, verifies X-Hub-Signature-256, stores each
        delivery in SQLite and answers only after the commit, then runs the event handlers.

          (no option)      serve the listening socket on fd 0 (spawn-fcgi, systemd), or else one CGI request
          --socket ADDR    bind a unix socket path or 127.0.0.1:PORT and serve it
          --workers [N]    with --socket: supervise N worker processes (default: one per core)
          --socket-mode M  mode of the unix socket (default 0660)
          --socket-group G group of the unix socket (e.g. www-data, so nginx can connect)
          --version        print the version
          --bench-trivial  answer 200 at once without verifying or storing: only for `make bench`, to measure
                           the nginx -> FastCGI ceiling on the same configuration

        Configuration comes from the environment and HUBSYNC_CONFIG (default /etc/pulser-hub-sync/hubsync.env):
        GITHUB_WEBHOOK_SECRET (at least 16 bytes), GITHUB_WEBHOOK_SECRET_PREVIOUS, HUBSYNC_DB, HUBSYNC_MAX_BODY, HUBSYNC_SYNC, HUBSYNC_LOG_LEVEL, HUBSYNC_BUSY_TIMEOUT_MS,
        HUBSYNC_THREADS, HUBSYNC_BATCH_MAX, HUBSYNC_KEY_FILE (opens the secrets stored with `hubsync secret`),
        HUBSYNC_ACTIONS_DIR (NAME.action files: each matching delivery is queued for `hubsync dispatch`).
        """

    static func main() {
        let program = FastCGIProgram(name: "webhook-fcgi", version: BuildInfo.version, usage: usage,
                                     programFlags: ["--bench-trivial"])
        let environment = currentEnvironment()
        let isBenchTrivial = CommandLine.arguments.contains("--bench-trivial")
        let status = program.run(arguments: Array(CommandLine.arguments.dropFirst()), environment: environment,
                                 hasBackgroundWork: !isBenchTrivial, validate: { configuration throws(ConfigurationError) in
                                     try WebhookSecretPolicy.requireMinimumStrength(configuration)
                                     try ActionPolicy.requireValidActions(configuration)
                                 }) { context in
            if isBenchTrivial {
                return Responder(respond: { _ in Reply(response: .json(200, ["status": "ok"])) })
            }
            let configuration = context.configuration
            let logger = context.logger
            let runner = EventRunner(configuration: configuration, logger: logger,
                                     injectsFaults: testFaultsEnabled(context.environment), usesWatchdog: context.isBackgroundProcess)
            if context.isBackgroundProcess {
                return Responder(respond: { _ in Reply(response: .json(503, ["status": "error"])) }, background: runner.backgroundWork)
            }
            let services = Services(configuration: configuration, logger: logger, workSignal: context.workSignal)
            let intake = WebhookIntake(services: services)
            return Responder(
                respond: intake.respond,
                background: runner.backgroundWork,
                workerStopping: {
                    services.writer.stop()
                    let statistics = services.writer.currentStatistics
                    logger.info("writer stopped", [("commits", .int(statistics.commits)), ("writes", .int(statistics.items)),
                                                   ("largest_batch", .int(statistics.largestBatch))])
                })
        }
        exit(status)
    }
}

/// Failure injection (`TestFault`) exists in debug builds only; a release build answers false.
private func testFaultsEnabled(_ environment: [String: String]) -> Bool {
    #if DEBUG
    return environment["HUBSYNC_TEST_FAULTS"] == "1"
    #else
    return false
    #endif
}
