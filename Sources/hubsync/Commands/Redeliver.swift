import ArgumentParser
import Common
import Sync

struct Redeliver: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask GitHub to send again the deliveries that failed and that this database does not have.",
        discussion: """
            GitHub never retries a failed delivery. Lists the App hook's deliveries in the window, groups their attempts \
            by GUID and asks once for each GUID with no successful attempt that is not stored here. Meant for a timer \
            every few minutes: a GUID is not asked for again within the hour.
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "The window: 24h, 3d (GitHub.com keeps deliveries 3 days, GHES 7) or a date.") var since = "24h"
    @Flag(help: "Show what would be asked for; ask nothing.") var dryRun = false

    func validate() throws {
        guard TimeArgument.pointInTime(since) != nil else { throw ValidationError("--since must be like 24h, 3d or 2026-11-25, not \(since)") }
    }

    func run() throws {
        let context = try global.gitHub()
        let json = global.json
        let report = try Sync.Redelivery(configuration: context.configuration, database: context.database, client: context.client,
                                         progress: { printProgress($0, json: json) })
            .run(since: TimeArgument.pointInTime(since)!, dryRun: dryRun)
        if json {
            print(report.json.jsonText)
            return
        }
        print("since \(report.windowStart.iso8601): \(report.attempts) delivery attempts of \(report.guids) deliveries; "
              + "\(report.succeeded) succeeded, \(report.storedHere) failed at GitHub but are stored here, "
              + "\(report.askedRecently) asked for within the hour")
        for item in report.redelivered {
            print("\(dryRun ? "would redeliver" : "redelivered") \(item.guid) (\(item.event ?? "?"), attempt \(item.attemptID))")
        }
        if report.redelivered.isEmpty { print("nothing to redeliver") }
    }
}
