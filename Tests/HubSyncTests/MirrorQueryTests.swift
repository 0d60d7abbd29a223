import Foundation
import Testing
import TestSupport
@testable import Common

/// `hubsync repos|prs|issues|runs`, the built binary against a real database.
@Suite(.serialized) struct MirrorQueryTests {
    /// A database with two pull requests, an issue (and a deleted one), a run and a push, each
    /// committed with its event's outcome as the writer does.
    func makeDatabase(_ directory: TemporaryDirectory) throws -> String {
        let path = TestDatabase.location(in: directory, name: "h.db")
        let store = try TestDatabase.eventStore(in: directory, name: "h.db")
        let changes: [MirrorChange] = [
            .pullRequest(PullRequestRecord(repository: "octo/hello", number: 1, title: "Merged one", state: "closed", isDraft: false,
                                           isMerged: true, mergedAt: "2026-11-26T10:00:00.000Z", author: "octocat", headRef: "a",
                                           headSHA: "1", baseRef: "main", baseSHA: "0", labels: ["sync"], updatedAt: "2026-11-26T10:00:00.000Z")),
            .pullRequest(PullRequestRecord(repository: "octo/other", number: 2, title: "Open one", state: "open", isDraft: true,
                                           isMerged: false, mergedAt: nil, author: "hubot", headRef: "b", headSHA: "2", baseRef: "main",
                                           baseSHA: "0", labels: [], updatedAt: "2026-11-26T11:00:00.000Z")),
            .issue(IssueRecord(repository: "octo/hello", number: 3, title: "Bug", state: "open", stateReason: nil, labels: ["bug"],
                               assignees: [], author: "octocat", updatedAt: "2026-11-26T09:00:00.000Z", isDeleted: false, transferredTo: nil)),
            .issue(IssueRecord(repository: "octo/hello", number: 4, title: "Gone", state: "open", stateReason: nil, labels: [],
                               assignees: [], author: "octocat", updatedAt: "2026-11-26T09:00:00.000Z", isDeleted: true, transferredTo: nil)),
            .workflowRun(WorkflowRunRecord(runID: 99, repository: "octo/hello", name: "Build", event: "push", status: "completed",
                                           conclusion: "failure", branch: "main", headSHA: "1", runAttempt: 2, updatedAt: "2026-11-26T10:30:00.000Z")),
            .push(PushRecord(repositoryID: 5, repository: "octo/hello", isPrivate: false, ref: "refs/heads/main", beforeSHA: "0",
                             afterSHA: "1", isForced: false, isCreated: false, isDeleted: false, commitCount: 1, headCommitID: "1",
                             headCommitMessage: "Work", pusher: "octocat", pushedAt: "2026-11-26T08:00:00.000Z")),
        ]
        for (index, change) in changes.enumerated() {
            let id = try store.insert([NewEvent(deliveryID: "q-\(index)", hookID: 1, event: "x", action: nil, installationID: nil,
                                                repository: nil, sender: nil, body: Array("{}".utf8), contentType: "application/json",
                                                targetType: nil, targetID: nil, receivedAt: .now())])[0].id
            try store.recordOutcome(id: id, EventOutcome(status: .processed, changes: [change]), at: .now())
        }
        return path
    }

    func hubsync(_ arguments: [String], database: String) throws -> (status: Int32, output: String, error: String) {
        try HubSyncCommand.run(arguments, environment: ["HUBSYNC_DB": database])
    }

    @Test func pullRequestsAsJSONAndFilteredByState() throws {
        let directory = try TemporaryDirectory()
        let database = try makeDatabase(directory)
        let all = try jsonArray(hubsync(["prs", "--json"], database: database).output)
        #expect(all.map { $0["number"] as? Int } == [2, 1])  // latest update first
        #expect(all[1]["merged"] as? Bool == true && all[1]["merged_at"] as? String == "2026-11-26T10:00:00.000Z")
        #expect(all[0]["merged_at"] is NSNull)
        #expect(Set(all[0].keys) == ["repository", "number", "title", "state", "draft", "merged", "merged_at", "author", "head_ref",
                                     "head_sha", "base_ref", "base_sha", "labels", "updated_at"])
        #expect(try jsonArray(hubsync(["prs", "--state", "merged", "--json"], database: database).output).map { $0["number"] as? Int } == [1])
        #expect(try jsonArray(hubsync(["prs", "--repo", "octo/other", "--json"], database: database).output).count == 1)
        let text = try hubsync(["prs"], database: database).output
        #expect(text.hasPrefix("REPOSITORY") && text.contains("merged") && text.contains("open (draft)"))
    }

    @Test func issuesRunsAndRepositories() throws {
        let directory = try TemporaryDirectory()
        let database = try makeDatabase(directory)
        let issues = try jsonArray(hubsync(["issues", "--repo", "octo/hello", "--json"], database: database).output)
        #expect(issues.map { $0["number"] as? Int } == [3])  // the deleted one is not listed
        let runs = try jsonArray(hubsync(["runs", "--conclusion", "failure", "--json"], database: database).output)
        #expect(runs.first?["run_attempt"] as? Int == 2)
        #expect(try jsonArray(hubsync(["runs", "--status", "queued", "--json"], database: database).output).isEmpty)
        let repositories = try jsonArray(hubsync(["repos", "--json"], database: database).output)
        #expect((repositories.first?["last_push"] as? [String: Any])?["ref"] as? String == "refs/heads/main")
        #expect(try hubsync(["runs"], database: database).output.contains("Build"))
    }

    @Test func badUsageExits64WithOneLine() throws {
        let directory = try TemporaryDirectory()
        let database = try makeDatabase(directory)
        let result = try hubsync(["prs", "--state", "sideways"], database: database)
        #expect(result.status == 64)
        #expect(result.error.contains("sideways"))
        #expect(try hubsync(["prs", "--help"], database: database).output.contains("--state"))
    }

    /// Titles, names and branches are written by anyone on GitHub: in text output no control
    /// character reaches the terminal (an ESC sequence could retitle the window, move the cursor
    /// or forge a row), while --json keeps the exact text.
    @Test func textOutputCarriesNoTerminalControls() throws {
        let directory = try TemporaryDirectory()
        let path = TestDatabase.location(in: directory, name: "h.db")
        let store = try TestDatabase.eventStore(in: directory, name: "h.db")
        let hostile = "Fix \u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}31m line\nforged row\r\u{202E}txt.exe\u{7F}"
        let changes: [MirrorChange] = [
            .pullRequest(PullRequestRecord(repository: "octo/hello", number: 7, title: hostile, state: "open", isDraft: false,
                                           isMerged: false, mergedAt: nil, author: "mal\u{1B}[0mlory", headRef: "br\u{1B}anch",
                                           headSHA: "1", baseRef: "main", baseSHA: "0", labels: [], updatedAt: "2026-11-26T10:00:00.000Z")),
            .issue(IssueRecord(repository: "octo/hello", number: 8, title: hostile, state: "open", stateReason: nil, labels: ["a\u{1B}b"],
                               assignees: [], author: "x", updatedAt: "2026-11-26T09:00:00.000Z", isDeleted: false, transferredTo: nil)),
            .workflowRun(WorkflowRunRecord(runID: 5, repository: "octo/hello", name: hostile, event: "push", status: "completed",
                                           conclusion: "success", branch: "b\u{9B}1m", headSHA: "1", runAttempt: 1, updatedAt: "2026-11-26T10:30:00.000Z")),
        ]
        for (index, change) in changes.enumerated() {
            let id = try store.insert([NewEvent(deliveryID: "t-\(index)", hookID: 1, event: "x", action: nil, installationID: nil,
                                                repository: nil, sender: nil, body: Array("{}".utf8), contentType: "application/json",
                                                targetType: nil, targetID: nil, receivedAt: .now())])[0].id
            try store.recordOutcome(id: id, EventOutcome(status: .processed, changes: [change]), at: .now())
        }
        for command in [["prs"], ["issues"], ["runs"]] {
            let output = try hubsync(command, database: path).output
            let controls = output.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) || $0.value == 0x202E }
            #expect(controls.isEmpty, "\(command): \(controls.map { String($0.value, radix: 16) })")
            #expect(output.split(separator: "\n").count == 2, "\(command): one header and one row, no forged row")
            #expect(output.contains("\u{FFFD}"))
        }
        let exact = try jsonArray(hubsync(["prs", "--json"], database: path).output)
        #expect(exact.first?["title"] as? String == hostile)
    }
}
