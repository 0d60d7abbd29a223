import ArgumentParser
import Common

/// The admin's command line. Every subcommand reads the same configuration as the FastCGI
/// programs (environment over HUBSYNC_CONFIG), prints a readable table by default and exact JSON
/// with --json, and exits non-zero with a one-line error (64 for bad usage).
@main
struct HubSync: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hubsync",
        abstract: "Administer a pulser-hub-sync installation.",
        version: BuildInfo.version,
        subcommands: [
            Init.self, Doctor.self, Secret.self, Integrations.self, JWT.self, Token.self, Events.self, Stats.self, Redeliver.self, Backup.self,
            BackfillCommand.self, Repos.self, PullRequests.self, Issues.self, Runs.self, Actions.self, Outbox.self, DispatchCommand.self, Store.self,
        ])
}
