import ArgumentParser
import Common

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a consistent copy of the database to a new file (mode 0600), safe while the programs run.",
        discussion: "Back up the key file (HUBSYNC_KEY_FILE) separately: the copy's webhook secrets open only with it. (Tokens are fetched again: the token key need not be kept.)")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The new file; it must not exist.") var path: String

    func run() throws {
        let copy = try global.database().backup(to: path)
        if global.json {
            print(JSONValue(dictionaryLiteral: ("path", .string(path)), ("events", .int(Int64(copy.events))),
                            ("bytes", .int(copy.bytes)), ("quick_check", "ok")).jsonText)
        } else {
            print("backed up \(copy.events) events (\(copy.bytes) bytes) to \(path); quick_check ok")
        }
    }
}
