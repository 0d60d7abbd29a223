import ArgumentParser
import Common
import GitHub

/// Options every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Flag(help: "Print exact JSON (stable field names, ISO-8601 UTC times, null for absent values).")
    var json = false

    /// The configuration the FastCGI programs read: the environment over HUBSYNC_CONFIG.
    func configuration() throws -> Configuration {
        do {
            return try Configuration.load(environment: currentEnvironment())
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The database, migrated to the current schema.
    func database() throws -> Database { try Database(configuration: configuration()) }

    func mirror() throws -> MirrorStore { MirrorStore(connection: try database().connection) }

    /// What commands that talk to GitHub share: the database, a client and the token service.
    func gitHub() throws -> GitHubContext {
        let configuration = try configuration()
        let database = try Database(configuration: configuration)
        let client = try GitHubClient(configuration: configuration)
        let box = SecretBox(key: try KeyFile.tokenKey(configuration))
        return GitHubContext(configuration: configuration, database: database, client: client, box: box,
                             tokens: try TokenService(configuration: configuration, client: client, database: database, box: box))
    }
}

struct GitHubContext {
    let configuration: Configuration
    let database: Database
    let client: GitHubClient
    let box: SecretBox
    let tokens: TokenService
}
