import ArgumentParser
import Common

/// `hubsync store`: the store as a whole.
struct Store: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The store as a whole: copy it to another database.",
                                                    subcommands: [Copy.self])

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the whole store from one database to another (SQLite to PostgreSQL, and back), then verify it.",
            discussion: """
                SRC and DST are HUBSYNC_DB values: a SQLite file's path or a postgresql:// URI (HUBSYNC_DB_SCHEMA names \
                PostgreSQL's schema). Each run brings DST to SRC's rows: it writes only what DST lacks or holds \
                differently, and deletes what SRC no longer has; so an interrupted copy resumes by running again. \
                With the programs running, run it once, stop them, run it again (it copies what arrived meanwhile), \
                then point HUBSYNC_DB at DST. Verified by each table's row count and checksum on both sides.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("from"), help: "The database to copy (a path or a postgresql:// URI).") var source: String
        @Option(name: .customLong("to"), help: "The database to copy into; created or migrated as needed.") var destination: String

        func run() throws {
            let configuration = try global.configuration()
            func open(_ location: String, as variable: String) throws -> Database {
                var other = configuration
                other.databasePath = location
                do {
                    _ = try DatabaseLocation.parse(location, schema: configuration.databaseSchema)
                } catch {
                    throw ValidationError("\(variable): \(error.description)")
                }
                return try Database(configuration: other)
            }
            let copy = StoreCopy(from: try open(source, as: "--from"), to: try open(destination, as: "--to"))
            let copied = try copy.copy()
            let verified = try copy.verify()
            let mismatched = verified.filter { !$0.matches }.map(\.source.table)
            if global.json {
                let tables: [JSONValue] = copied.indices.map { index in
                    JSONValue(dictionaryLiteral: ("table", .string(copied[index].table)), ("rows", .int(Int64(verified[index].source.rows))),
                              ("written", .int(Int64(copied[index].written))), ("deleted", .int(Int64(copied[index].deleted))),
                              ("checksum", .string(hex(verified[index].source.checksum))), ("verified", .bool(verified[index].matches)))
                }
                print(JSONValue(dictionaryLiteral: ("tables", .array(tables)), ("verified", .bool(mismatched.isEmpty))).jsonText)
            } else {
                print(textTable(["TABLE", "ROWS", "WRITTEN", "DELETED", "CHECKSUM", "VERIFIED"], copied.indices.map { index in
                    [copied[index].table, String(verified[index].source.rows), String(copied[index].written), String(copied[index].deleted),
                     hex(verified[index].source.checksum), verified[index].matches ? "yes" : "NO"]
                }))
            }
            guard mismatched.isEmpty else {
                throw ValidationError("the copy differs from the source in \(mismatched.joined(separator: ", ")): "
                                      + "the source changed during the copy; run it again (with the programs stopped)")
            }
        }

        private func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
    }
}
