import Foundation
import Testing
import TestSupport
@testable import Common

/// `hubsync backfill`, the built binary against the fake GitHub (Tests/FakeGitHub: installations,
/// repositories, pull requests, issues and runs in GitHub's list shapes, paginated with `Link`
/// headers, each listing checked for a valid installation token of the right installation).
@Suite(.serialized) struct BackfillTests {
    let fake: FakeGitHub
    let directory: TemporaryDirectory
    var database: String { TestDatabase.location(in: directory) }

    init() throws {
        fake = try FakeGitHub()
        directory = try TemporaryDirectory()
    }

    func hubsync(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try HubSyncCommand.run(arguments, environment: fake.environment.merging([
            "HUBSYNC_DB": database, "HUBSYNC_KEY_FILE": directory.path + "/hubsync.key",
        ]) { _, new in new })
    }

    func backfill(_ arguments: [String] = []) throws -> [String: Any] {
        let result = try hubsync(["backfill", "--per-page", "2", "--json"] + arguments)
        try #require(result.status == 0, "backfill failed: \(result.error)")
        return try jsonObject(result.output)
    }

    /// Successful listing requests the fake answered, as "path?query", with the installation
    /// whose token read it (several installations read `/installation/repositories`).
    func listingPages() throws -> [String] {
        try fake.log().filter { ($0["outcome"] as? String)?.hasPrefix("ok (page") == true }.map {
            "\($0["path"] as? String ?? "")?\(($0["query"] as? String ?? "").removingPercentEncoding ?? "") by \($0["auth"] as? String ?? "")"
        }
    }

    @Test func everyPageOfEveryListingLandsInTheMirror() throws {
        let summary = try backfill()
        #expect(summary["installations"] as? Int == 4)
        #expect(summary["repositories"] as? Int == 4)
        #expect(summary["pull_requests"] as? Int == 6)
        #expect(summary["issues"] as? Int == 5)  // the issues listing's pull requests are not issues
        #expect(summary["workflow_runs"] as? Int == 4)
        #expect((summary["skipped_installations"] as? [[String: Any]])?.map { $0["installation_id"] as? Int } == [7])

        // Five pull requests at two per page: three pages, each reached through the Link header.
        let pages = try listingPages()
        #expect(pages.filter { $0.hasPrefix("/repos/octo-org/hello-world/pulls?") }.count == 3)
        #expect(pages.contains("/repos/octo-org/hello-world/pulls?state=all&sort=updated&direction=desc&per_page=2&page=3 by installation token (1)"))
        #expect(pages.filter { $0.hasPrefix("/repos/octo-org/hello-world/issues?") }.count == 4)  // 3 issues + 5 PRs
        // Every listing was read with an installation token the fake had issued, never a JWT.
        let listings = try fake.log().filter { ($0["path"] as? String)?.hasPrefix("/repos/") == true }
        #expect(!listings.isEmpty && listings.allSatisfy { $0["auth"] as? String == "installation token (1)" || $0["auth"] as? String == "installation token (2)" || $0["auth"] as? String == "installation token (66)" })

        let prs = try jsonArray(hubsync(["prs", "--repo", "octo-org/hello-world", "--json"]).output)
        #expect(prs.map { $0["number"] as? Int } == [5, 4, 3, 2, 1])
        let byNumber = Dictionary(uniqueKeysWithValues: prs.map { ($0["number"] as? Int ?? 0, $0) })
        // The list endpoint has no `merged`: merged_at decides.
        #expect(byNumber[1]?["merged"] as? Bool == true && byNumber[1]?["merged_at"] as? String == "2026-11-20T10:00:00.000Z")
        #expect(byNumber[2]?["merged"] as? Bool == false && byNumber[2]?["state"] as? String == "closed")
        #expect(byNumber[3]?["draft"] as? Bool == true && byNumber[3]?["labels"] as? [String] == ["api", "wip"])
        #expect(byNumber[5]?["author"] as? String == "dependabot[bot]" && byNumber[5]?["head_ref"] as? String == "deps")

        let issues = try jsonArray(hubsync(["issues", "--json"]).output)
        #expect(Set(issues.map { "\($0["repository"] as? String ?? "")#\($0["number"] as? Int ?? 0)" })
                == ["octo-org/hello-world#6", "octo-org/hello-world#7", "octo-org/hello-world#8", "octo-org/widgets#2", "octocat/dotfiles#1"])
        let six = try #require(issues.first { $0["number"] as? Int == 6 })
        #expect(six["assignees"] as? [String] == ["octocat"] && six["labels"] as? [String] == ["bug"])
        #expect(issues.first { $0["number"] as? Int == 8 }?["state_reason"] as? String == "not_planned")

        let runs = try jsonArray(hubsync(["runs", "--json"]).output)
        #expect(runs.map { $0["run_id"] as? Int } == [30003, 30002, 30010, 30001])
        #expect(runs[1]["run_attempt"] as? Int == 2 && runs[1]["conclusion"] as? String == "failure")
        #expect(runs[0]["conclusion"] is NSNull && runs[0]["status"] as? String == "in_progress")

        let repositories = try jsonArray(hubsync(["repos", "--json"]).output)
        #expect(repositories.map { "\($0["full_name"] as? String ?? "")@\($0["installation_id"] as? Int ?? 0)" }
                == ["mallory/evil@66", "octo-org/hello-world@1", "octo-org/widgets@1", "octocat/dotfiles@2"])
        let live = try MirrorStore(connection: TestDatabase.open(in: directory).connection)
            .liveInstallations()
        #expect(live.map { "\($0.id):\($0.account ?? ""):\($0.status)" } == ["1:octo-org:active", "2:octocat:active", "7:sleepy-org:suspended",
                                                                               "66:mallory:active"])
    }

    @Test func newerStateInTheMirrorIsKeptAndLaterDeliveriesWinTies() throws {
        // Before the backfill, webhooks told the mirror about two pull requests: #4 after the REST
        // API's copy was last updated (kept), #2 before it (replaced).
        let store = try TestDatabase.eventStore(in: directory)
        func deliver(_ record: PullRequestRecord) throws {
            let id = try store.insert([NewEvent(deliveryID: UUID().uuidString, hookID: 1, event: "pull_request", action: "edited",
                                                installationID: 1, repository: record.repository, sender: nil, body: Array("{}".utf8),
                                                contentType: "application/json", targetType: nil, targetID: nil, receivedAt: .now())])[0].id
            try store.recordOutcome(id: id, EventOutcome(status: .processed, changes: [.pullRequest(record)]), at: .now())
        }
        func pullRequest(_ number: Int64, _ title: String, _ state: String, _ updatedAt: String) -> PullRequestRecord {
            PullRequestRecord(repository: "octo-org/hello-world", number: number, title: title, state: state, isDraft: false,
                              isMerged: false, mergedAt: nil, author: "mona", headRef: "x", headSHA: "1", baseRef: "main", baseSHA: "0",
                              labels: [], updatedAt: updatedAt)
        }
        try deliver(pullRequest(4, "Refactor store (closed by webhook)", "closed", "2026-11-26T09:00:00.000Z"))
        try deliver(pullRequest(2, "Fix typo (stale)", "open", "2026-11-20T00:00:00.000Z"))

        let summary = try backfill(["1", "--repo", "octo-org/hello-world"])
        #expect(summary["older_than_mirror"] as? Int == 1)
        func titles() throws -> [Int: String] {
            Dictionary(uniqueKeysWithValues: try jsonArray(hubsync(["prs", "--json"]).output).map {
                ($0["number"] as? Int ?? 0, $0["title"] as? String ?? "")
            })
        }
        #expect(try titles()[4] == "Refactor store (closed by webhook)")
        #expect(try titles()[2] == "Fix typo")

        // A delivery received after the backfill, with the same updated_at as the API's copy, is the
        // later news: it wins the tie.
        try deliver(pullRequest(5, "Bump deps (edited)", "open", "2026-11-25T20:00:00.000Z"))
        #expect(try titles()[5] == "Bump deps (edited)")
        // A second backfill reads the API's copy after that delivery: the later news again.
        #expect(try backfill(["1", "--repo", "octo-org/hello-world"])["older_than_mirror"] as? Int == 1)
        #expect(try titles()[5] == "Bump deps")
        #expect(try titles()[4] == "Refactor store (closed by webhook)")
    }

    @Test func primaryAndSecondaryRateLimitsAreWaitedOut() throws {
        // The fourth request meets a spent primary limit that resets in a second.
        try fake.control(["mode": "ratelimit", "after": 3, "count": 1, "reset_in": 1])
        let first = try backfill(["1", "--repo", "octo-org/hello-world"])
        #expect(first["rate_limit_waits"] as? Int == 1)
        let log = try fake.log()
        let refused = try #require(log.firstIndex { $0["outcome"] as? String == "403 rate limited" })
        // The same request again, after the wait, and answered.
        #expect(log[refused + 1]["path"] as? String == log[refused]["path"] as? String)
        #expect(log[refused + 1]["query"] as? String == log[refused]["query"] as? String)
        #expect((log[refused + 1]["time"] as? Double ?? 0) - (log[refused]["time"] as? Double ?? 0) >= 1)
        #expect(first["pull_requests"] as? Int == 5)

        try fake.control(["mode": "secondary", "after": 2, "count": 2, "retry_after": 1])
        let second = try backfill(["1", "--repo", "octo-org/hello-world", "--restart"])
        #expect(second["rate_limit_waits"] as? Int == 2)
        #expect(second["workflow_runs"] as? Int == 3)
    }

    @Test func aRateLimitLongerThanMaxWaitStopsAndTheNextRunResumes() throws {
        try fake.control(["mode": "ratelimit", "after": 5, "reset_in": 1800])
        let stopped = try hubsync(["backfill", "1", "--per-page", "2", "--max-wait", "60"])
        #expect(stopped.status != 0)
        #expect(stopped.error.contains("later than --max-wait allows; progress is saved"))
        try fake.setMode("normal")
        let resumed = try hubsync(["backfill", "1", "--per-page", "2"])
        #expect(resumed.status == 0)
        #expect(resumed.output.contains("resuming the backfill begun at"))
    }

    @Test func anInterruptedBackfillResumesWithoutRereadingCommittedPages() throws {
        // Eight requests succeed (JWT listing, token, repositories, some pages), then GitHub fails.
        try fake.control(["mode": "error500", "after": 8])
        let interrupted = try hubsync(["backfill", "--per-page", "2"])
        #expect(interrupted.status == 1)
        #expect(interrupted.error.contains("backfill interrupted: GitHub answered 502; progress is saved"))
        let pagesBefore = try listingPages()
        #expect(!pagesBefore.isEmpty)
        let partial = try jsonArray(hubsync(["prs", "--json"]).output).count
        #expect(partial > 0 && partial < 6)

        try fake.setMode("normal")
        let resumed = try hubsync(["backfill", "--per-page", "2"])
        #expect(resumed.status == 0, "\(resumed.error)")
        #expect(resumed.output.contains("resuming the backfill begun at"))
        let pages = try listingPages()
        let repeated = Dictionary(grouping: pages, by: { $0 }).filter { $0.value.count > 1 }.keys
        #expect(repeated.isEmpty, "pages read twice: \(repeated.sorted())")
        #expect(try jsonArray(hubsync(["prs", "--json"]).output).count == 6)
        #expect(try jsonArray(hubsync(["runs", "--json"]).output).count == 4)
        // Finished: the next run starts over rather than resuming.
        #expect(try hubsync(["backfill", "--per-page", "2"]).output.contains("resuming") == false)
    }

    @Test func anUninstalledAppIsRecordedAsDeletedAndAnUnknownInstallationIsAnError() throws {
        _ = try backfill()
        try fake.control(["uninstall": 66])
        let again = try hubsync(["backfill", "--per-page", "2"])
        #expect(again.status == 0)
        #expect(again.output.contains("installation 66: no longer installed; recorded as deleted"))
        let live = try MirrorStore(connection: TestDatabase.open(in: directory).connection)
            .liveInstallations()
        #expect(live.map(\.id) == [1, 2, 7])

        let unknown = try hubsync(["backfill", "5"])
        #expect(unknown.status == 1)
        #expect(unknown.error.contains("installation 5 is not an installation of this App"))
        let notInstalled = try hubsync(["backfill", "--repo", "nobody/nothing"])
        #expect(notInstalled.status == 1 && notInstalled.error.contains("nobody/nothing is not among the repositories"))
    }

    @Test func sinceNarrowsTheListingsAndBadArgumentsExit64() throws {
        _ = try backfill(["1", "--since", "2026-11-25"])
        let pages = try listingPages()
        #expect(pages.contains { $0.hasPrefix("/repos/octo-org/hello-world/issues?") && $0.contains("since=2026-11-25T00:00:00Z") })
        #expect(pages.contains { $0.hasPrefix("/repos/octo-org/hello-world/actions/runs?") && $0.contains("created=>=2026-11-24T00:00:00Z") })
        // Newest first: the second page of pull requests reaches past the date, so no third is read.
        #expect(pages.filter { $0.hasPrefix("/repos/octo-org/hello-world/pulls?") }.count == 2)
        let issues = try jsonArray(hubsync(["issues", "--json"]).output)
        #expect(issues.map { $0["number"] as? Int } == [6])

        for arguments in [["--per-page", "0"], ["--since", "yesterday"], ["--repo", "no-slash"], ["not-a-number"]] {
            let result = try hubsync(["backfill"] + arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.error.hasPrefix("Error: "), "\(result.error)")
        }
    }
}
