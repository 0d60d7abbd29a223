import Glibc
import Common
import GitHub
import Webhooks

/// `hubsync backfill`: reads from the REST API what webhooks would have told the mirror
/// (installations, their repositories, and each repository's pull requests, issues and workflow
/// runs) and merges it under the webhooks' ordering rule, so that a mirror started late or down for
/// a while becomes complete without overwriting anything newer.
///
/// Order of work: the installations (App JWT), then per installation its repositories and per
/// repository three listings (installation token). Every page is committed with the part's next
/// page URL in one transaction (`BackfillStore`), so an interruption resumes where it stopped.
public final class Backfill {
    private let configuration: Configuration
    private let store: BackfillStore
    private let tokens: TokenService
    private let reader: PageReader
    private let progress: (String) -> Void
    private let now: () -> Timestamp
    private var summary = BackfillSummary()

    public init(configuration: Configuration, database: Database, client: GitHubClient, tokens: TokenService,
                progress: @escaping (String) -> Void, sleep: @escaping (Int64) -> Void = { seconds in sleepSeconds(seconds) },
                now: @escaping () -> Timestamp = { .now() }, maximumWaitSeconds: Int64 = 3600) {
        self.configuration = configuration
        store = BackfillStore(database: database)
        self.tokens = tokens
        reader = PageReader(client: client, maximumWaitSeconds: maximumWaitSeconds, sleep: sleep, progress: progress, now: now)
        self.progress = progress
        self.now = now
    }

    public func run(_ options: BackfillOptions) throws -> BackfillSummary {
        let started = now()
        let run = try store.begin(runKey: options.runKey, since: options.since?.iso8601, restart: options.restart, now: started)
        // A resumed run keeps the `since` it began with (`24h` then means 24 h before the first try).
        let since = run.since.flatMap { Timestamp(iso8601: $0) }
        summary.resumed = run.isResumed
        if run.isResumed {
            progress("resuming the backfill begun at \(run.startedAt) (\(try store.finishedParts(runKey: options.runKey)) parts done)")
        }
        progress("backfill of \(options.installationID.map { "installation \($0)" } ?? "every installation")"
                 + (options.repository.map { ", repository \($0)" } ?? "") + (since.map { ", since \($0.iso8601)" } ?? "")
                 + ", \(options.perPage) per page")
        do {
            try readInstallations(options, runKey: options.runKey)
            var repositoryFound = options.repository == nil
            for installation in try store.mirrorStore.liveInstallations()
            where options.installationID == nil || installation.id == options.installationID {
                summary.installations += 1
                let label = "installation \(installation.id)" + (installation.account.map { " (\($0))" } ?? "")
                guard installation.status == "active" else {
                    skip(installation.id, label, reason: "suspended on GitHub")
                    continue
                }
                do {
                    try readRepositories(of: installation.id, options, runKey: options.runKey)
                } catch GitHubSkip.installation(let reason) {
                    skip(installation.id, label, reason: reason)
                    continue
                }
                let repositories = try store.mirrorStore.repositories(installationID: installation.id)
                    .filter { options.repository == nil || $0.lowercased() == options.repository!.lowercased() }
                progress("\(label): \(repositories.count) \(repositories.count == 1 ? "repository" : "repositories")")
                for repository in repositories {
                    repositoryFound = true
                    summary.repositories += 1
                    try readRepository(repository, installationID: installation.id, since: since, options, runKey: options.runKey)
                }
            }
            guard repositoryFound else {
                throw BackfillError.repositoryNotInstalled(options.repository ?? "")
            }
        } catch let error as GitHubError {
            throw BackfillError.interrupted(error.description)
        }
        try store.finish(runKey: options.runKey)
        summary.requests = reader.requests
        summary.rateLimitWaits = reader.waits
        summary.seconds = started.millisecondsUntil(now()) / 1000
        progress("done in \(formatSeconds(summary.seconds)): " + [
            counted(summary.installations, "installation") + (summary.skippedInstallations.isEmpty ? "" : " (\(summary.skippedInstallations.count) skipped)"),
            counted(summary.repositories, "repository"), counted(summary.pullRequests, "pull request"), counted(summary.issues, "issue"),
            counted(summary.workflowRuns, "workflow run"),
        ].joined(separator: ", ") + "; \(summary.olderThanMirror) older than the mirror; "
            + counted(summary.requests, "request") + ", " + counted(summary.rateLimitWaits, "rate-limit wait"))
        return summary
    }

    private func skip(_ id: Int64, _ label: String, reason: String) {
        summary.skippedInstallations.append((id, reason))
        progress("\(label): skipped, \(reason)")
    }

    // MARK: - Installations (App JWT)

    /// The App's installations into the mirror: one (`GET /app/installations/{id}`) or all
    /// (`GET /app/installations`, every page). Installations the mirror holds as live but the
    /// complete listing lacks are asked for one by one, and recorded as deleted if GitHub answers
    /// 404 (a page boundary shifted by a concurrent change must not delete anything).
    private func readInstallations(_ options: BackfillOptions, runKey: String) throws {
        let part = "installations" + (options.installationID.map { "/\($0)" } ?? "")
        if try store.part(runKey: runKey, name: part)?.isDone == true { return }
        var installations: [JSONNode] = []
        if let id = options.installationID {
            do {
                installations = [try reader.get("/app/installations/\(id)", credential: appCredential).json]
            } catch GitHubError.http(status: 404, _) {
                if try store.markInstallationDeleted(id) { progress("installation \(id): no longer installed; recorded as deleted") }
                throw BackfillError.installationNotFound(id)
            }
        } else {
            var url: String? = "/app/installations?per_page=\(options.perPage)"
            while let page = url {
                let answer = try reader.get(page, credential: appCredential)
                installations += answer.json.arrayValue ?? []
                url = answer.next
            }
            let listed = Set(installations.compactMap { $0["id"]?.int64Value })
            for absent in try store.mirrorStore.liveInstallations() where !listed.contains(absent.id) {
                do {
                    installations.append(try reader.get("/app/installations/\(absent.id)", credential: appCredential).json)
                } catch GitHubError.http(status: 404, _) {
                    if try store.markInstallationDeleted(absent.id) {
                        progress("installation \(absent.id): no longer installed; recorded as deleted")
                    }
                }
            }
        }
        let records = installations.compactMap { installation in
            try? InstallationRecord(gitHub: installation, status: installation["suspended_at"]?.stringValue == nil ? "active" : "suspended")
        }
        try store.savePage(runKey: runKey, part: part, items: records.count, changes: records.map { .installation($0) }, nextURL: nil)
    }

    private func appCredential() throws -> GitHubClient.Credential {
        .bearer(try AppJWT.make(configuration: configuration, now: now()))
    }

    // MARK: - Repositories of an installation (installation token)

    /// `GET /installation/repositories`, every page, then in one transaction: the repositories,
    /// the installation's repository selection, and the detaching of repositories no longer listed.
    private func readRepositories(of installationID: Int64, _ options: BackfillOptions, runKey: String) throws {
        let part = "installation/\(installationID)/repositories"
        if try store.part(runKey: runKey, name: part)?.isDone == true { return }
        var repositories: [InstallationRepository] = []
        var selection: String?
        var url: String? = "/installation/repositories?per_page=\(options.perPage)"
        while let page = url {
            let answer = try reader.get(page, credential: { try installationCredential(installationID) })
            repositories += InstallationRepository.list(answer.json["repositories"])
            selection = answer.json["repository_selection"]?.stringValue ?? selection
            url = answer.next
        }
        var changes: [MirrorChange] = [.installationRepositories(installationID: installationID, repositories)]
        if let selection { changes.append(.repositorySelection(installationID: installationID, selection)) }
        try store.savePage(runKey: runKey, part: part, items: repositories.count, changes: changes, nextURL: nil) { mirror in
            try mirror.detachRepositories(installationID: installationID, keeping: repositories.map(\.repositoryID))
        }
    }

    /// The installation's token; an installation that cannot have one (suspended, gone) is skipped.
    private func installationCredential(_ installationID: Int64) throws -> GitHubClient.Credential {
        do {
            return .bearer(try tokens.installationToken(for: installationID).token)
        } catch let error as GitHubError {
            if case .http(let status, _) = error, status == 403 || status == 404 {
                throw GitHubSkip.installation(error.description)
            }
            throw error
        }
    }

    // MARK: - A repository's pull requests, issues and runs (installation token)

    private func readRepository(_ repository: String, installationID: Int64, since: Timestamp?, _ options: BackfillOptions,
                                runKey: String) throws {
        let perPage = "per_page=\(options.perPage)"
        let pulls = try readListing(part: "\(repository)/pulls", runKey: runKey, installationID: installationID,
                                    firstURL: "/repos/\(repository)/pulls?state=all&sort=updated&direction=desc&\(perPage)") { json in
            let records = (json.arrayValue ?? []).compactMap { try? PullRequestRecord(gitHub: $0, repository: repository) }
            // Newest update first: once a page reaches past `since`, the next pages hold only older ones.
            let reachedSince = since.map { since in records.contains { $0.updatedAt < since.iso8601 } } ?? false
            return (records.map { .pullRequest($0) }, reachedSince)
        }
        let issueFilter = since.map { "&since=\(isoSeconds($0))" } ?? ""
        let issues = try readListing(part: "\(repository)/issues", runKey: runKey, installationID: installationID,
                                     firstURL: "/repos/\(repository)/issues?state=all&sort=updated&direction=desc&\(perPage)\(issueFilter)") { json in
            // The issues listing includes pull requests (with a `pull_request` member): those are read above.
            let records = (json.arrayValue ?? []).filter { $0["pull_request"] == nil }
                .compactMap { try? IssueRecord(gitHub: $0, repository: repository) }
            return (records.map { .issue($0) }, false)
        }
        // Runs can be filtered by creation only; a run created up to a day before `since` may have
        // been updated after it (GitHub-hosted jobs run up to 6 hours, re-runs come later).
        let runFilter = since.map { "&created=%3E%3D\(isoSeconds($0.adding(seconds: -86_400)))" } ?? ""
        let runs = try readListing(part: "\(repository)/runs", runKey: runKey, installationID: installationID,
                                   firstURL: "/repos/\(repository)/actions/runs?\(perPage)\(runFilter)") { json in
            let records = (json["workflow_runs"]?.arrayValue ?? []).compactMap { try? WorkflowRunRecord(gitHub: $0, repository: repository) }
            return (records.map { .workflowRun($0) }, false)
        }
        summary.pullRequests += pulls.items
        summary.issues += issues.items
        summary.workflowRuns += runs.items
        for part in [pulls, issues, runs] { summary.olderThanMirror += part.items - part.changed }
        progress("  \(repository): " + [("pull request", pulls), ("issue", issues), ("workflow run", runs)].map { name, part in
            "\(counted(part.items, name)) (\(counted(part.pages, "page"))" + (part.items > part.changed ? ", \(part.items - part.changed) older than the mirror)" : ")")
        }.joined(separator: ", "))
    }

    /// Reads a listing page by page from where the run left it, committing each page with the URL
    /// of the next. `records` turns a page into changes and says whether to stop early.
    private func readListing(part: String, runKey: String, installationID: Int64, firstURL: String,
                             records: (JSONNode) -> (changes: [MirrorChange], stop: Bool)) throws -> BackfillStore.Part {
        var state = try store.part(runKey: runKey, name: part)
        var url = state == nil ? firstURL : state!.nextURL
        while let page = url, state?.isDone != true {
            let answer = try reader.get(page, credential: { try installationCredential(installationID) })
            let (changes, stop) = records(answer.json)
            url = stop ? nil : answer.next
            try store.savePage(runKey: runKey, part: part, items: changes.count, changes: changes, nextURL: url)
            state = try store.part(runKey: runKey, name: part)
        }
        return state ?? BackfillStore.Part(nextURL: nil, isDone: true, items: 0, pages: 0, changed: 0)
    }
}

/// An installation the backfill cannot read (suspended, uninstalled): reported and passed over.
private enum GitHubSkip: Error {
    case installation(String)
}

/// `2026-11-25T12:00:00Z`: the form GitHub's `since` and `created` filters document.
private func isoSeconds(_ time: Timestamp) -> String { String(time.iso8601.prefix(19)) + "Z" }

/// `1 issue`, `2 issues`, `3 repositories`.
private func counted(_ count: Int, _ noun: String) -> String {
    if count == 1 { return "1 \(noun)" }
    return "\(count) " + (noun.hasSuffix("y") ? noun.dropLast() + "ies" : noun + "s")
}

private func formatSeconds(_ seconds: Double) -> String { String(Double((seconds * 10).rounded()) / 10) + " s" }

public func sleepSeconds(_ seconds: Int64) {
    var request = timespec(tv_sec: Int(seconds), tv_nsec: 0)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
