import Common

/// What `hubsync backfill` was asked to read.
public struct BackfillOptions: Sendable {
    /// One installation, or every installation of the App.
    public var installationID: Int64?
    /// One repository (`OWNER/NAME`), or every repository of the installations.
    public var repository: String?
    /// As typed (`24h`, `2026-11-25`): part of what identifies the run to resume.
    public var sinceArgument: String?
    /// Only objects updated (runs: created) since then; nil for everything.
    public var since: Timestamp?
    /// Objects per page: GitHub allows up to 100.
    public var perPage: Int
    /// Forget an interrupted run's progress and start over.
    public var restart: Bool

    public init(installationID: Int64? = nil, repository: String? = nil, sinceArgument: String? = nil, since: Timestamp? = nil,
                perPage: Int = 100, restart: Bool = false) {
        self.installationID = installationID
        self.repository = repository
        self.sinceArgument = sinceArgument
        self.since = since
        self.perPage = perPage
        self.restart = restart
    }

    /// Identifies the run: the same arguments resume it.
    var runKey: String {
        "installation=\(installationID.map(String.init) ?? "all") repo=\(repository ?? "all") since=\(sinceArgument ?? "all")"
    }
}

/// What a backfill read and changed.
public struct BackfillSummary: Sendable {
    public var installations = 0
    public var skippedInstallations: [(id: Int64, reason: String)] = []
    public var repositories = 0
    public var pullRequests = 0
    public var issues = 0
    public var workflowRuns = 0
    /// Objects read that the mirror already held in a newer state (from a later delivery).
    public var olderThanMirror = 0
    public var requests = 0
    public var rateLimitWaits = 0
    public var resumed = false
    public var seconds = 0.0

    public var json: JSONValue {
        [
            "installations": .int(Int64(installations)), "repositories": .int(Int64(repositories)),
            "pull_requests": .int(Int64(pullRequests)), "issues": .int(Int64(issues)), "workflow_runs": .int(Int64(workflowRuns)),
            "older_than_mirror": .int(Int64(olderThanMirror)), "requests": .int(Int64(requests)), "rate_limit_waits": .int(Int64(rateLimitWaits)),
            "resumed": .bool(resumed), "seconds": .number(String(Double((seconds * 1000).rounded()) / 1000)),
            "skipped_installations": .array(skippedInstallations.map { ["installation_id": .int($0.id), "reason": .string($0.reason)] }),
        ]
    }
}
