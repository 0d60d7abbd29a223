import ArgumentParser
import Common
import Glibc

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the database (or migrate it to the current schema) and, if absent, the key files. Safe to rerun.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let configuration = try global.configuration()
        let keyExisted = access(configuration.keyFilePath, F_OK) == 0
        let tokenKeyExisted = access(configuration.tokenKeyFilePath, F_OK) == 0
        // The schema before migrating, read without migrating, to say what init did.
        let previousVersion = try Database.existingSchemaVersion(configuration)
        let databaseExisted = previousVersion != nil
        let version = try Database(configuration: configuration).schemaVersion()
        _ = try KeyFile.secretsKey(configuration)
        _ = try KeyFile.tokenKey(configuration)
        if global.json {
            print(JSONValue(dictionaryLiteral: 
                ("database", .string(configuration.databasePath)), ("database_created", .bool(!databaseExisted)),
                ("schema_version", .int(Int64(version))), ("previous_schema_version", previousVersion.map { .int(Int64($0)) } ?? .null),
                ("key_file", .string(configuration.keyFilePath)),
                ("key_file_created", .bool(!keyExisted)),
                ("token_key_file", .string(configuration.tokenKeyFilePath)),
                ("token_key_file_created", .bool(!tokenKeyExisted)),
            ).jsonText)
        } else {
            let action = switch previousVersion {
            case nil: "created,"
            case let previous? where previous < version: "migrated from schema version \(previous) to"
            default: "present,"
            }
            print("database \(configuration.databasePath): \(action) schema version \(version)")
            print("key file \(configuration.keyFilePath): \(keyExisted ? "present" : "created (mode 0600)")")
            print("token key file \(configuration.tokenKeyFilePath): \(tokenKeyExisted ? "present" : "created (mode 0600)")")
        }
    }
}
