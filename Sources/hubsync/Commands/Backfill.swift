import ArgumentParser
import Common
import GitHub
import Sync

struct BackfillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Read installations, repositories, pull requests, issues and workflow runs from GitHub's REST API into the mirror.",
        discussion: """
            Merges with the webhooks' ordering rule: nothing newer in the mirror is overwritten. Waits out \
            GitHub's rate limits. Progress is saved page by page: after an interruption, the same command resumes.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only this installation (default: every installation of the App).") var installationID: Int64?
    @Option(help: "Only this repository (OWNER/NAME).") var repo: String?
    @Option(help: "Only what changed since then: 24h, 7d, 2026-11-25 or an ISO-8601 time (runs: created since, less a day).")
    var since: String?
    @Option(help: "Objects per page (1-100).") var perPage = 100
    @Option(help: "The longest rate-limit wait to sit out, in seconds; beyond it, stop (progress saved).") var maxWait: Int64 = 3600
    @Flag(help: "Forget the progress of an interrupted run with the same arguments and start over.") var restart = false

    func validate() throws {
        guard (1...100).contains(perPage) else { throw ValidationError("--per-page must be between 1 and 100") }
        if let since, TimeArgument.pointInTime(since) == nil {
            throw ValidationError("--since must be like 24h, 7d, 2026-11-25 or 2026-11-25T12:00:00Z, not \(since)")
        }
        if let repo, repo.split(separator: "/").count != 2 { throw ValidationError("--repo must be OWNER/NAME, not \(repo)") }
    }

    func run() throws {
        let configuration = try global.configuration()
        let database = try Database(configuration: configuration)
        let client = try GitHubClient(configuration: configuration)
        let tokens = try TokenService(configuration: configuration, client: client, database: database,
                                      box: SecretBox(key: try KeyFile.tokenKey(configuration)))
        let json = global.json
        let backfill = Backfill(configuration: configuration, database: database, client: client, tokens: tokens,
                                progress: { printProgress($0, json: json) }, maximumWaitSeconds: maxWait)
        let options = BackfillOptions(installationID: installationID, repository: repo, sinceArgument: since,
                                      since: since.flatMap { TimeArgument.pointInTime($0) }, perPage: perPage, restart: restart)
        let summary = try backfill.run(options)
        if json { print(summary.json.jsonText) }
    }
}
