import ArgumentParser
import Common
import GitHub

struct JWT: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a fresh App JWT (valid 9 minutes), for `curl -H \"Authorization: Bearer $(hubsync jwt)\"`.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let configuration = try global.configuration()
        let now = Timestamp.now()
        let token = try AppJWT.make(configuration: configuration, now: now)
        if global.json {
            print(JSONValue(dictionaryLiteral: ("jwt", .string(token)),
                                               ("expires_at", .string(now.adding(seconds: AppJWT.lifetimeSeconds).iso8601))).jsonText)
        } else {
            print(token)
        }
    }
}

struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a valid installation token, reusing the stored one: GH_TOKEN=$(hubsync token 42) gh api ...")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The installation id.") var installationID: Int64
    @Option(help: "The least life the token must have left: 30m, 1h, 300s (at most 55m).") var minTTL = "5m"

    func validate() throws {
        guard let seconds = TimeArgument.seconds(minTTL), seconds <= 55 * 60 else {
            throw ValidationError("--min-ttl must be a span such as 30m or 300s, at most 55m (tokens live one hour), not \(minTTL)")
        }
    }

    func run() throws {
        let context = try global.gitHub()
        let token = try context.tokens.installationToken(for: installationID, minimumLifetimeSeconds: TimeArgument.seconds(minTTL) ?? 0)
        if global.json {
            print(JSONValue(dictionaryLiteral: ("installation_id", .int(installationID)), ("token", .string(token.token)),
                                               ("expires_at", .string(token.expiresAt.iso8601))).jsonText)
        } else {
            print(token.token)
        }
    }
}
