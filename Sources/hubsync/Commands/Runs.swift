import ArgumentParser
import Common

struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the mirror's workflow runs, latest update first.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this repository (OWNER/NAME).") var repo: String?
    @Option(help: "Only runs with this status (queued, in_progress, completed, ...).") var status: String?
    @Option(help: "Only runs with this conclusion (success, failure, cancelled, ...).") var conclusion: String?

    func run() throws {
        let runs = try global.mirror().workflowRuns(repository: repo, status: status, conclusion: conclusion)
        if global.json {
            printJSON(runs.map { run in [
                "run_id": .int(run.runID), "repository": .string(run.repository), "name": json(run.name), "event": json(run.event),
                "status": json(run.status), "conclusion": json(run.conclusion), "branch": json(run.branch), "head_sha": json(run.headSHA),
                "run_attempt": .int(run.runAttempt), "updated_at": .string(run.updatedAt),
            ] })
        } else {
            print(textTable(["RUN", "REPOSITORY", "NAME", "BRANCH", "STATUS", "CONCLUSION", "ATTEMPT", "UPDATED"], runs.map { run in
                [String(run.runID), run.repository, run.name ?? "", run.branch ?? "", run.status ?? "", run.conclusion ?? "",
                 String(run.runAttempt), String(run.updatedAt.prefix(16))]
            }))
        }
    }
}
