import ArgumentParser
import Common

struct PullRequests: ParsableCommand {
    enum State: String, ExpressibleByArgument, CaseIterable { case open, closed, merged }

    static let configuration = CommandConfiguration(commandName: "prs", abstract: "List the mirror's pull requests, latest update first.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this repository (OWNER/NAME).") var repo: String?
    @Option(help: "Only pull requests in this state (closed means closed without merging).") var state: State?

    func run() throws {
        let pulls = try global.mirror().pullRequests(repository: repo, state: state?.rawValue)
        if global.json {
            printJSON(pulls.map { pull in [
                "repository": .string(pull.repository), "number": .int(pull.number), "title": json(pull.title), "state": json(pull.state),
                "draft": json(pull.isDraft), "merged": .bool(pull.isMerged), "merged_at": json(pull.mergedAt), "author": json(pull.author),
                "head_ref": json(pull.headRef), "head_sha": json(pull.headSHA), "base_ref": json(pull.baseRef), "base_sha": json(pull.baseSHA),
                "labels": .array(pull.labels.map { .string($0) }), "updated_at": .string(pull.updatedAt),
            ] })
        } else {
            print(textTable(["REPOSITORY", "#", "STATE", "AUTHOR", "UPDATED", "TITLE"], pulls.map { pull in
                [pull.repository, String(pull.number), pull.isMerged ? "merged" : (pull.state ?? "?") + (pull.isDraft == true ? " (draft)" : ""),
                 pull.author ?? "", String(pull.updatedAt.prefix(16)), String((pull.title ?? "").prefix(60))]
            }))
        }
    }
}
