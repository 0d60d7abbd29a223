/// The mirror tables: all of their SQL. Rule for every object: an older delivery never overwrites
/// newer state (GitHub delivers out of order and late, docs/github-protocol.md section 3): the newer `updated_at`
/// wins, and on a tie the delivery received later (the larger event id) wins. Applying the same
/// delivery twice therefore changes nothing the second time.
public final class MirrorStore {
    private let connection: any SQLConnection
    /// The statements of `apply`, prepared once per connection: the event runner applies changes
    /// for every event, and preparing them each time showed as SQLite's parser in its profile.
    private var statements: [String: any SQLStatement] = [:]

    public init(connection: any SQLConnection) { self.connection = connection }

    /// A statement prepared on first use and kept; only for statements run to completion (`run`
    /// resets them), since one left on a row would hold its read transaction open.
    private func cachedStatement(_ sql: String) throws -> any SQLStatement {
        if let statement = statements[sql] { return statement }
        let statement = try connection.prepare(sql)
        statements[sql] = statement
        return statement
    }

    /// Applies one change; true when the mirror changed (false when what it holds is newer).
    @discardableResult
    public func apply(_ change: MirrorChange, sourceEventID: Int64) throws -> Bool {
        let changesBefore = connection.totalChanges
        switch change {
        case .pullRequest(let record):
            try cachedStatement("""
                INSERT INTO pull_requests (repository, number, title, state, draft, merged, merged_at, author, head_ref,
                    head_sha, base_ref, base_sha, labels, updated_at, source_event_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (repository, number) DO UPDATE SET
                    title = excluded.title, state = excluded.state, draft = excluded.draft, merged = excluded.merged,
                    merged_at = excluded.merged_at, author = excluded.author, head_ref = excluded.head_ref,
                    head_sha = excluded.head_sha, base_ref = excluded.base_ref, base_sha = excluded.base_sha,
                    labels = excluded.labels, updated_at = excluded.updated_at, source_event_id = excluded.source_event_id
                WHERE excluded.updated_at > pull_requests.updated_at
                   OR (excluded.updated_at = pull_requests.updated_at AND excluded.source_event_id >= pull_requests.source_event_id)
                """).run([
                    .text(record.repository), .integer(record.number), text(record.title), text(record.state),
                    record.isDraft.map { .integer($0 ? 1 : 0) } ?? .null, .integer(record.isMerged ? 1 : 0), text(record.mergedAt),
                    text(record.author), text(record.headRef), text(record.headSHA), text(record.baseRef), text(record.baseSHA),
                    .text(JSONValue.array(record.labels.map { .string($0) }).jsonText), .text(record.updatedAt),
                    .integer(sourceEventID),
                ])
        case .issue(let issue):
            try applyIssue(issue, sourceEventID: sourceEventID)
        case .push(let push):
            try applyPush(push, sourceEventID: sourceEventID)
        case .installation(let installation):
            try applyInstallation(installation, sourceEventID: sourceEventID)
        case .hook(let hook):
            try cachedStatement("""
                INSERT INTO hooks (hook_id, hook_type, app_id, events, last_ping_event_id) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (hook_id) DO UPDATE SET hook_type = coalesce(excluded.hook_type, hooks.hook_type),
                    app_id = coalesce(excluded.app_id, hooks.app_id), events = coalesce(excluded.events, hooks.events),
                    last_ping_event_id = excluded.last_ping_event_id
                WHERE excluded.last_ping_event_id >= hooks.last_ping_event_id
                """).run([.integer(hook.hookID), text(hook.hookType), integer(hook.appID),
                          hook.events.map { .text(JSONValue.array($0.map { .string($0) }).jsonText) } ?? .null, .integer(sourceEventID)])
        case .repositorySelection(let installationID, let selection):
            try cachedStatement("UPDATE integrations SET repository_selection = ? WHERE installation_id = ?")
                .run([.text(selection), .integer(installationID)])
        case .installationRepositories(let installationID, let repositories):
            for repository in repositories {
                try cachedStatement("""
                    INSERT INTO repositories (repository_id, full_name, installation_id, private) VALUES (?, ?, ?, ?)
                    ON CONFLICT (repository_id) DO UPDATE SET full_name = excluded.full_name,
                        installation_id = excluded.installation_id, private = coalesce(excluded.private, repositories.private)
                    """).run([.integer(repository.repositoryID), .text(repository.fullName), integer(installationID),
                              flag(repository.isPrivate)])
            }
        case .workflowRun(let run):
            // A re-run (higher run_attempt) is newer whatever the clocks say; within an attempt,
            // updated_at, then arrival.
            try cachedStatement("""
                INSERT INTO workflow_runs (run_id, repository, name, event, status, conclusion, branch, head_sha, run_attempt,
                    updated_at, source_event_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (run_id) DO UPDATE SET
                    repository = excluded.repository, name = excluded.name, event = excluded.event, status = excluded.status,
                    conclusion = excluded.conclusion, branch = excluded.branch, head_sha = excluded.head_sha,
                    run_attempt = excluded.run_attempt, updated_at = excluded.updated_at, source_event_id = excluded.source_event_id
                WHERE excluded.run_attempt > workflow_runs.run_attempt
                   OR (excluded.run_attempt = workflow_runs.run_attempt AND (excluded.updated_at > workflow_runs.updated_at
                       OR (excluded.updated_at = workflow_runs.updated_at AND excluded.source_event_id >= workflow_runs.source_event_id)))
                """).run([
                    .integer(run.runID), .text(run.repository), text(run.name), text(run.event), text(run.status),
                    text(run.conclusion), text(run.branch), text(run.headSHA), .integer(run.runAttempt), .text(run.updatedAt),
                    .integer(sourceEventID),
                ])
        }
        return connection.totalChanges > changesBefore
    }

    private func applyIssue(_ issue: IssueRecord, sourceEventID: Int64) throws {
        // A tombstone wins ties (GitHub's examples give `reopened` and `deleted` one updated_at; a
        // deleted issue cannot come back) and yields only to a strictly newer updated_at.
        try cachedStatement("""
            INSERT INTO issues (repository, number, title, state, state_reason, labels, assignees, author, updated_at, deleted,
                transferred_to, source_event_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (repository, number) DO UPDATE SET
                title = coalesce(excluded.title, issues.title), state = coalesce(excluded.state, issues.state),
                state_reason = CASE WHEN excluded.state IS NULL THEN issues.state_reason ELSE excluded.state_reason END,
                labels = coalesce(excluded.labels, issues.labels), assignees = coalesce(excluded.assignees, issues.assignees),
                author = coalesce(excluded.author, issues.author), updated_at = excluded.updated_at,
                deleted = excluded.deleted, transferred_to = excluded.transferred_to, source_event_id = excluded.source_event_id
            WHERE excluded.updated_at > issues.updated_at
               OR (excluded.updated_at = issues.updated_at
                   AND (excluded.deleted = 1 OR (issues.deleted = 0 AND excluded.source_event_id >= issues.source_event_id)))
            """).run([
                .text(issue.repository), .integer(issue.number), text(issue.title), text(issue.state), text(issue.stateReason),
                issue.labels.map { .text(JSONValue.array($0.map { .string($0) }).jsonText) } ?? .null,
                issue.assignees.map { .text(JSONValue.array($0.map { .string($0) }).jsonText) } ?? .null,
                text(issue.author), .text(issue.updatedAt), .integer(issue.isDeleted ? 1 : 0), text(issue.transferredTo),
                .integer(sourceEventID),
            ])
    }

    /// One `pushes` row per delivery (a second handling changes nothing), and the repository's last
    /// push: the later `pushed_at` wins, then the later delivery.
    private func applyPush(_ push: PushRecord, sourceEventID: Int64) throws {
        try cachedStatement("""
            INSERT INTO pushes (event_id, repository, ref, before_sha, after_sha, forced, created, deleted, commit_count,
                head_commit_id, head_commit_message, pusher, pushed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (event_id) DO NOTHING
            """).run([
                .integer(sourceEventID), .text(push.repository), .text(push.ref), text(push.beforeSHA), text(push.afterSHA),
                flag(push.isForced), flag(push.isCreated), flag(push.isDeleted), .integer(Int64(push.commitCount)),
                text(push.headCommitID), text(push.headCommitMessage), text(push.pusher), text(push.pushedAt),
            ])
        try cachedStatement("""
            INSERT INTO repositories (repository_id, full_name, private, last_push_ref, last_push_after, last_pusher,
                last_pushed_at, last_push_event_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (repository_id) DO UPDATE SET
                full_name = excluded.full_name, private = coalesce(excluded.private, repositories.private),
                last_push_ref = excluded.last_push_ref, last_push_after = excluded.last_push_after,
                last_pusher = excluded.last_pusher, last_pushed_at = excluded.last_pushed_at,
                last_push_event_id = excluded.last_push_event_id
            WHERE repositories.last_push_event_id IS NULL
               OR coalesce(excluded.last_pushed_at, '') > coalesce(repositories.last_pushed_at, '')
               OR (coalesce(excluded.last_pushed_at, '') = coalesce(repositories.last_pushed_at, '')
                   AND excluded.last_push_event_id >= repositories.last_push_event_id)
            """).run([
                .integer(push.repositoryID), .text(push.repository), flag(push.isPrivate), .text(push.ref), text(push.afterSHA),
                text(push.pusher), text(push.pushedAt), .integer(sourceEventID),
            ])
    }

    /// The integration row that the callback may have created; what the callback alone knows (who
    /// installed it, the setup action) is never touched. A deletion is final and wins a tie.
    private func applyInstallation(_ installation: InstallationRecord, sourceEventID: Int64) throws {
        let now = Timestamp.now().iso8601
        try cachedStatement("""
            INSERT INTO integrations (installation_id, account_login, account_id, account_type, repository_selection, permissions,
                events, status, suspended_at, created_at, updated_at, github_updated_at, source_event_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (installation_id) DO UPDATE SET
                account_login = coalesce(excluded.account_login, integrations.account_login),
                account_id = coalesce(excluded.account_id, integrations.account_id),
                account_type = coalesce(excluded.account_type, integrations.account_type),
                repository_selection = coalesce(excluded.repository_selection, integrations.repository_selection),
                permissions = coalesce(excluded.permissions, integrations.permissions),
                events = coalesce(excluded.events, integrations.events),
                status = excluded.status, suspended_at = excluded.suspended_at, updated_at = excluded.updated_at,
                github_updated_at = excluded.github_updated_at, source_event_id = excluded.source_event_id
            WHERE integrations.source_event_id IS NULL
               OR (integrations.status != 'deleted' AND (excluded.github_updated_at > integrations.github_updated_at
                   OR (excluded.github_updated_at = integrations.github_updated_at
                       AND (excluded.status = 'deleted' OR excluded.source_event_id >= integrations.source_event_id))))
            """).run([
                .integer(installation.installationID), text(installation.accountLogin), integer(installation.accountID),
                text(installation.accountType), text(installation.repositorySelection), text(installation.permissions),
                text(installation.events), .text(installation.status), text(installation.suspendedAt), .text(now), .text(now),
                .text(installation.updatedAt), .integer(sourceEventID),
            ])
    }

    /// The newest delivery's id: the `sourceEventID` of state read from the REST API just after.
    /// Deliveries received later have larger ids and so win an `updated_at` tie against it; those
    /// received earlier lose one, since the API's answer is at least as recent as they are.
    public func latestEventID() throws -> Int64 {
        try connection.scalarInt("SELECT coalesce(max(id), 0) FROM deliveries") ?? 0
    }

    /// After a complete listing of an installation's repositories: those the mirror still counts
    /// as the installation's but GitHub no longer lists were removed from it. Returns how many.
    @discardableResult
    public func detachRepositories(installationID: Int64, keeping listed: [Int64]) throws -> Int {
        let changesBefore = connection.totalChanges
        let placeholders = Array(repeating: "?", count: listed.count).joined(separator: ", ")
        try connection.prepare("""
            UPDATE repositories SET installation_id = NULL
            WHERE installation_id = ? \(listed.isEmpty ? "" : "AND repository_id NOT IN (\(placeholders))")
            """).run([.integer(installationID)] + listed.map { .integer($0) })
        return connection.totalChanges - changesBefore
    }

    /// Installations the mirror holds as active or suspended, by id, with their account and status.
    public func liveInstallations() throws -> [(id: Int64, account: String?, status: String)] {
        let statement = try connection.prepare(
            "SELECT installation_id, account_login, status FROM integrations WHERE status != 'deleted' ORDER BY installation_id")
        var installations: [(id: Int64, account: String?, status: String)] = []
        while try statement.step() { installations.append((statement.int64(0), statement.text(1), statement.text(2) ?? "")) }
        return installations
    }

    /// An installation GitHub answers 404 for: deleted, a state nothing overrides (as a `deleted`
    /// delivery). Returns whether it changed.
    @discardableResult
    public func markInstallationDeleted(_ installationID: Int64, sourceEventID: Int64) throws -> Bool {
        let now = Timestamp.now().iso8601
        let changesBefore = connection.totalChanges
        try connection.prepare("""
            UPDATE integrations SET status = 'deleted', updated_at = ?, source_event_id = ?
            WHERE installation_id = ? AND status != 'deleted'
            """).run([.text(now), .integer(sourceEventID), .integer(installationID)])
        return connection.totalChanges > changesBefore
    }

    public func hook(id: Int64) throws -> HookRecord? {
        let statement = try connection.prepare("SELECT hook_type, app_id, events FROM hooks WHERE hook_id = ?")
        try statement.bind([.integer(id)])
        guard try statement.step() else { return nil }
        return HookRecord(hookID: id, hookType: statement.text(0), appID: statement.optionalInt64(1),
                          events: statement.text(2).map { (try? JSONParser.parse($0))?.arrayValue?.compactMap(\.stringValue) ?? [] })
    }

    /// Repositories of an installation, by full name.
    public func repositories(installationID: Int64) throws -> [String] {
        let statement = try connection.prepare("SELECT full_name FROM repositories WHERE installation_id = ? ORDER BY full_name")
        try statement.bind([.integer(installationID)])
        var names: [String] = []
        while try statement.step() { names.append(statement.text(0) ?? "") }
        return names
    }

    public func lastPush(repositoryID: Int64) throws -> LastPush? {
        let statement = try connection.prepare(
            "SELECT last_push_ref, last_push_after, last_pusher, last_pushed_at FROM repositories WHERE repository_id = ?")
        try statement.bind([.integer(repositoryID)])
        guard try statement.step() else { return nil }
        return LastPush(ref: statement.text(0), afterSHA: statement.text(1), pusher: statement.text(2), pushedAt: statement.text(3))
    }

    public func pushCount(repository: String) throws -> Int {
        let statement = try connection.prepare("SELECT count(*) FROM pushes WHERE repository = ?")
        try statement.bind([.text(repository)])
        try statement.step()
        return Int(statement.int64(0))
    }

    public func issue(repository: String, number: Int64) throws -> IssueRecord? {
        let statement = try connection.prepare("""
            SELECT title, state, state_reason, labels, assignees, author, updated_at, deleted, transferred_to
            FROM issues WHERE repository = ? AND number = ?
            """)
        try statement.bind([.text(repository), .integer(number)])
        guard try statement.step() else { return nil }
        func names(_ column: Int32) -> [String]? {
            statement.text(column).map { (try? JSONParser.parse($0))?.arrayValue?.compactMap(\.stringValue) ?? [] }
        }
        return IssueRecord(
            repository: repository, number: number, title: statement.text(0), state: statement.text(1),
            stateReason: statement.text(2), labels: names(3), assignees: names(4), author: statement.text(5),
            updatedAt: statement.text(6) ?? "", isDeleted: statement.int64(7) != 0, transferredTo: statement.text(8))
    }

    public func workflowRun(id: Int64) throws -> WorkflowRunRecord? {
        let statement = try connection.prepare("""
            SELECT repository, name, event, status, conclusion, branch, head_sha, run_attempt, updated_at
            FROM workflow_runs WHERE run_id = ?
            """)
        try statement.bind([.integer(id)])
        guard try statement.step() else { return nil }
        return WorkflowRunRecord(
            runID: id, repository: statement.text(0) ?? "", name: statement.text(1), event: statement.text(2),
            status: statement.text(3), conclusion: statement.text(4), branch: statement.text(5), headSHA: statement.text(6),
            runAttempt: statement.int64(7), updatedAt: statement.text(8) ?? "")
    }

    /// Pull requests, newest update first. `state`: `open`, `closed` (closed without merging) or `merged`.
    public func pullRequests(repository: String?, state: String?) throws -> [PullRequestRecord] {
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let repository { conditions.append("repository = ?"); values.append(.text(repository)) }
        switch state {
        case "open": conditions.append("state = 'open'")
        case "closed": conditions.append("state = 'closed' AND merged = 0")
        case "merged": conditions.append("merged = 1")
        default: break
        }
        let statement = try connection.prepare("""
            SELECT repository, number FROM pull_requests \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY updated_at DESC, repository, number
            """)
        try statement.bind(values)
        var keys: [(String, Int64)] = []
        while try statement.step() { keys.append((statement.text(0) ?? "", statement.int64(1))) }
        return try keys.compactMap { try pullRequest(repository: $0.0, number: $0.1) }
    }

    /// Issues that still exist (not deleted or transferred away), newest update first.
    public func issues(repository: String?, state: String?) throws -> [IssueRecord] {
        var conditions = ["deleted = 0"]
        var values: [SQLValue] = []
        if let repository { conditions.append("repository = ?"); values.append(.text(repository)) }
        if let state { conditions.append("state = ?"); values.append(.text(state)) }
        let statement = try connection.prepare(
            "SELECT repository, number FROM issues WHERE \(conditions.joined(separator: " AND ")) ORDER BY updated_at DESC, repository, number")
        try statement.bind(values)
        var keys: [(String, Int64)] = []
        while try statement.step() { keys.append((statement.text(0) ?? "", statement.int64(1))) }
        return try keys.compactMap { try issue(repository: $0.0, number: $0.1) }
    }

    /// Workflow runs, newest update first.
    public func workflowRuns(repository: String?, status: String?, conclusion: String?) throws -> [WorkflowRunRecord] {
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let repository { conditions.append("repository = ?"); values.append(.text(repository)) }
        if let status { conditions.append("status = ?"); values.append(.text(status)) }
        if let conclusion { conditions.append("conclusion = ?"); values.append(.text(conclusion)) }
        let statement = try connection.prepare("""
            SELECT run_id FROM workflow_runs \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY updated_at DESC, run_id DESC
            """)
        try statement.bind(values)
        var ids: [Int64] = []
        while try statement.step() { ids.append(statement.int64(0)) }
        return try ids.compactMap { try workflowRun(id: $0) }
    }

    /// Every repository the mirror knows, by name, with its installation and last push.
    public func repositoryList() throws -> [(id: Int64, fullName: String, installationID: Int64?, isPrivate: Bool?, lastPush: LastPush)] {
        let statement = try connection.prepare("""
            SELECT repository_id, full_name, installation_id, private, last_push_ref, last_push_after, last_pusher, last_pushed_at
            FROM repositories ORDER BY full_name
            """)
        var result: [(id: Int64, fullName: String, installationID: Int64?, isPrivate: Bool?, lastPush: LastPush)] = []
        while try statement.step() {
            result.append((statement.int64(0), statement.text(1) ?? "", statement.optionalInt64(2), statement.optionalInt64(3).map { $0 != 0 },
                           LastPush(ref: statement.text(4), afterSHA: statement.text(5), pusher: statement.text(6), pushedAt: statement.text(7))))
        }
        return result
    }

    public func pullRequest(repository: String, number: Int64) throws -> PullRequestRecord? {
        let statement = try connection.prepare("""
            SELECT title, state, draft, merged, merged_at, author, head_ref, head_sha, base_ref, base_sha, labels, updated_at
            FROM pull_requests WHERE repository = ? AND number = ?
            """)
        try statement.bind([.text(repository), .integer(number)])
        guard try statement.step() else { return nil }
        let labels = (try? JSONParser.parse(statement.text(10) ?? "[]"))?.arrayValue?.compactMap(\.stringValue) ?? []
        return PullRequestRecord(
            repository: repository, number: number, title: statement.text(0), state: statement.text(1),
            isDraft: statement.optionalInt64(2).map { $0 != 0 }, isMerged: statement.int64(3) != 0, mergedAt: statement.text(4),
            author: statement.text(5), headRef: statement.text(6), headSHA: statement.text(7), baseRef: statement.text(8),
            baseSHA: statement.text(9), labels: labels, updatedAt: statement.text(11) ?? "")
    }
}

private func flag(_ value: Bool?) -> SQLValue { value.map { .integer($0 ? 1 : 0) } ?? .null }
