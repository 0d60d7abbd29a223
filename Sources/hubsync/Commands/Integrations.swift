import ArgumentParser
import Common

struct Integrations: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The App's installations this database knows.", subcommands: [List.self, Show.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the integrations, by installation id.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let database = try global.database()
            let rows = try IntegrationStore(database: database).all().map { ($0, try tokenExpiry($0.installationID, database)) }
            if global.json {
                printJSON(rows.map { integrationJSON($0.0, tokenExpiresAt: $0.1) })
            } else {
                print(textTable(["INSTALLATION", "ACCOUNT", "TYPE", "REPOSITORIES", "STATUS", "INSTALLED BY", "UPDATED", "TOKEN EXPIRES"],
                                rows.map { integration, expiry in
                    [String(integration.installationID), integration.accountLogin ?? "", integration.accountType ?? "",
                     integration.repositorySelection ?? "", integration.status, integration.installedByLogin ?? "",
                     String(integration.updatedAt.prefix(16)), expiry.map { String($0.prefix(16)) } ?? "-"]
                }))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One integration, all fields (never its token).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The installation id.") var installationID: Int64

        func run() throws {
            let database = try global.database()
            guard let integration = try IntegrationStore(database: database).integration(installationID: installationID) else {
                throw CommandFailure("no integration with installation id \(installationID)")
            }
            let value = integrationJSON(integration, tokenExpiresAt: try tokenExpiry(installationID, database))
            if global.json {
                print(value.jsonText)
            } else {
                printFields(value)
            }
        }
    }
}

private func tokenExpiry(_ installationID: Int64, _ database: Database) throws -> String? {
    try TokenStore(database: database).token(kind: .installation, ownerID: installationID)?.expiresAt
}

private func integrationJSON(_ integration: Integration, tokenExpiresAt: String?) -> JSONValue {
    [
        "installation_id": .int(integration.installationID), "account": json(integration.accountLogin),
        "account_id": json(integration.accountID), "account_type": json(integration.accountType),
        "repository_selection": json(integration.repositorySelection), "status": .string(integration.status),
        "suspended_at": json(integration.suspendedAt), "setup_action": json(integration.setupAction),
        "installed_by": json(integration.installedByLogin), "installed_by_id": json(integration.installedByID),
        "permissions": integration.permissions.flatMap { try? JSONParser.parse($0) } ?? .null,
        "events": integration.events.flatMap { try? JSONParser.parse($0) } ?? .null,
        "created_at": .string(integration.createdAt), "updated_at": .string(integration.updatedAt),
        "token_expires_at": json(tokenExpiresAt),
    ]
}
