import ArgumentParser
import Common

struct Issues: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the mirror's issues (not deleted or transferred), latest update first.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this repository (OWNER/NAME).") var repo: String?
    @Option(help: "Only issues in this state (open or closed).") var state: String?

    func run() throws {
        let issues = try global.mirror().issues(repository: repo, state: state)
        if global.json {
            printJSON(issues.map { issue in [
                "repository": .string(issue.repository), "number": .int(issue.number), "title": json(issue.title),
                "state": json(issue.state), "state_reason": json(issue.stateReason),
                "labels": issue.labels.map { .array($0.map { .string($0) }) } ?? .null,
                "assignees": issue.assignees.map { .array($0.map { .string($0) }) } ?? .null,
                "author": json(issue.author), "updated_at": .string(issue.updatedAt),
            ] })
        } else {
            print(textTable(["REPOSITORY", "#", "STATE", "LABELS", "UPDATED", "TITLE"], issues.map { issue in
                [issue.repository, String(issue.number), issue.state ?? "?", (issue.labels ?? []).joined(separator: ","),
                 String(issue.updatedAt.prefix(16)), String((issue.title ?? "").prefix(60))]
            }))
        }
    }
}
