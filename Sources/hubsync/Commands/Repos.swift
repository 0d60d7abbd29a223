import ArgumentParser
import Common

struct Repos: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the repositories the mirror knows, with their last push.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let repositories = try global.mirror().repositoryList()
        if global.json {
            printJSON(repositories.map { repository in [
                "repository_id": .int(repository.id), "full_name": .string(repository.fullName),
                "installation_id": json(repository.installationID), "private": json(repository.isPrivate),
                "last_push": repository.lastPush.ref == nil ? .null : [
                    "ref": json(repository.lastPush.ref), "after": json(repository.lastPush.afterSHA),
                    "pusher": json(repository.lastPush.pusher), "pushed_at": json(repository.lastPush.pushedAt),
                ],
            ] })
        } else {
            print(textTable(["REPOSITORY", "INSTALLATION", "LAST PUSH", "BY", "AT"], repositories.map { repository in
                [repository.fullName, repository.installationID.map(String.init) ?? "-", repository.lastPush.ref ?? "-",
                 repository.lastPush.pusher ?? "", String((repository.lastPush.pushedAt ?? "").prefix(16))]
            }))
        }
    }
}
