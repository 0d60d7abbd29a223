import ArgumentParser
import Glibc
import ActionDispatch
import Common
import GitHub

/// `hubsync dispatch`: the outbox's runner, in the foreground (the .deb's
/// pulser-hub-sync-dispatch.service, and `make run`).
struct DispatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch",
        abstract: "Run the outbox: forward deliveries and run commands for the actions they matched, with retries.",
        discussion: """
            Runs in the foreground until SIGTERM or SIGINT, then lets the tries in hand finish. Each action runs its \
            items one at a time, in order (or CONCURRENCY at once); a slow or dead destination delays only its own. A dispatcher killed at any \
            moment loses nothing: the next one runs again the tries it left unfinished.
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "Milliseconds between passes when nothing is due.") var intervalMs = 250
    @Flag(help: "One pass, wait for its tries, and exit.") var once = false

    func validate() throws {
        guard (10...60_000).contains(intervalMs) else { throw ValidationError("--interval-ms must be from 10 to 60000") }
    }

    func run() throws {
        let configuration = try global.configuration()
        let logger = Logger(program: "hubsync-dispatch", minimumLevel: configuration.logLevel)
        let box = SecretBox(key: try KeyFile.existingSecretsKey(configuration))
        let shutdown = ShutdownSignal()  // before the lanes' threads exist, so that they inherit the blocked signals
        let dispatcher = try Dispatcher(DispatchEnvironment(
            configuration: configuration, box: box, logger: logger,
            installationToken: configuration.appID == nil ? nil : installationTokens(configuration), version: BuildInfo.version))
        logger.info("dispatcher started", [("actions_dir", .string(configuration.actionsDirectory))])
        repeat {
            if dispatcher.pass() == 0 && !once { shutdown.pause(milliseconds: intervalMs) }
        } while !once && !shutdown.isRequested
        dispatcher.waitForLanes()
        logger.info("dispatcher stopped")
    }
}

/// Installation tokens for WITH_TOKEN commands: a token service per call (such items are few, and
/// each lane's thread needs a connection of its own), which reuses a stored token while it is valid.
func installationTokens(_ configuration: Configuration) -> @Sendable (Int64) throws -> String {
    { installationID in
        let database = try Database(configuration: configuration)
        let client = try GitHubClient(configuration: configuration)
        let service = try TokenService(configuration: configuration, client: client, database: database,
                                       box: SecretBox(key: try KeyFile.tokenKey(configuration)))
        return try service.installationToken(for: installationID, minimumLifetimeSeconds: 300).token
    }
}
