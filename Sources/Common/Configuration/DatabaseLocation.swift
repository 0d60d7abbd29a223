/// Where the store lives (`HUBSYNC_DB`, issue 18): a PostgreSQL server named by libpq's
/// connection URI (`postgresql://` or `postgres://`, its parameters such as `sslmode` passed on),
/// in a schema of its own (`HUBSYNC_DB_SCHEMA`, default `hubsync`); anything else is a SQLite
/// file's path, as before.
///
/// A password never goes in the URI: the variable is in every program's environment and in
/// hubsync.env, which webhook-fcgi reads too. libpq reads it from its password file instead
/// (`PGPASSFILE`, or `~/.pgpass` of the service's user, mode 0600).
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgreSQL(uri: String, schema: String)

    public static let defaultSchema = "hubsync"

    public var isSQLite: Bool {
        if case .sqlite = self { return true }
        return false
    }

    public static func parse(_ text: String, schema: String? = nil) throws(ConfigurationError) -> DatabaseLocation {
        guard !text.isEmpty else { throw .invalidValue(variable: "HUBSYNC_DB", expected: "a SQLite file's path or a postgresql:// URI") }
        let lowered = text.lowercased()
        guard lowered.hasPrefix("postgresql://") || lowered.hasPrefix("postgres://") else { return .sqlite(path: text) }
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidValue(variable: "HUBSYNC_DB", expected: "a URI without spaces or control characters (percent-encode them)")
        }
        let rest = text[text.range(of: "://")!.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let query = rest.split(separator: "?", maxSplits: 1).dropFirst().first ?? ""
        let hasPassword = authority.split(separator: "@").dropLast().joined(separator: "@").contains(":")
            || query.split(separator: "&").contains { $0.lowercased().hasPrefix("password=") }
        guard !hasPassword else {
            throw .invalidValue(variable: "HUBSYNC_DB", expected: "a URI without a password (it would sit in every program's environment);"
                                + " put the password in libpq's password file (PGPASSFILE or ~/.pgpass, mode 0600)")
        }
        let name = schema ?? defaultSchema
        guard isSchemaName(name) else {
            throw .invalidValue(variable: "HUBSYNC_DB_SCHEMA", expected: "lower-case letters, digits and _, not starting with a digit, at most 63 characters")
        }
        return .postgreSQL(uri: text, schema: name)
    }

    /// A schema name spliced into SQL (identifiers cannot be parameters): lower-case letters,
    /// digits and `_`, not starting with a digit, at most 63 bytes (PostgreSQL's limit).
    public static func isSchemaName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(48...57).contains(first), name.utf8.count <= 63 else { return false }
        return name.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 95 }
    }
}
