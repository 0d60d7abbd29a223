import ArgumentParser
import Common

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

    func mirror() throws -> MirrorStore {
        MirrorStore(connection: try Database(configuration: configuration()).connection)
    }
}
