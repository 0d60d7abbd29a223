/// A pull request as the mirror keeps it (issue: sync).
public struct PullRequestRecord: Sendable, Equatable {
    public var repository: String
    public var number: Int64
    public var title: String?
    public var state: String?
    public var isDraft: Bool?
    public var isMerged: Bool
    public var mergedAt: String?
    public var author: String?
    public var headRef: String?
    public var headSHA: String?
    public var baseRef: String?
    public var baseSHA: String?
    public var labels: [String]
    /// GitHub's `updated_at`, normalized to `Timestamp.iso8601` so that text order is time order.
    public var updatedAt: String

    public init(repository: String, number: Int64, title: String?, state: String?, isDraft: Bool?, isMerged: Bool,
                mergedAt: String?, author: String?, headRef: String?, headSHA: String?, baseRef: String?, baseSHA: String?,
                labels: [String], updatedAt: String) {
        self.repository = repository
        self.number = number
        self.title = title
        self.state = state
        self.isDraft = isDraft
        self.isMerged = isMerged
        self.mergedAt = mergedAt
        self.author = author
        self.headRef = headRef
        self.headSHA = headSHA
        self.baseRef = baseRef
        self.baseSHA = baseSHA
        self.labels = labels
        self.updatedAt = updatedAt
    }
}

/// A workflow run as the mirror keeps it.
public struct WorkflowRunRecord: Sendable, Equatable {
    public var runID: Int64
    public var repository: String
    public var name: String?
    public var event: String?
    public var status: String?
    public var conclusion: String?
    public var branch: String?
    public var headSHA: String?
    public var runAttempt: Int64
    public var updatedAt: String

    public init(runID: Int64, repository: String, name: String?, event: String?, status: String?, conclusion: String?,
                branch: String?, headSHA: String?, runAttempt: Int64, updatedAt: String) {
        self.runID = runID
        self.repository = repository
        self.name = name
        self.event = event
        self.status = status
        self.conclusion = conclusion
        self.branch = branch
        self.headSHA = headSHA
        self.runAttempt = runAttempt
        self.updatedAt = updatedAt
    }
}

/// An issue as the mirror keeps it. Nil fields were absent from the payload and keep what the
/// mirror knew (payloads vary by action and by GitHub release, docs/github-protocol.md section 14).
public struct IssueRecord: Sendable, Equatable {
    public var repository: String
    public var number: Int64
    public var title: String?
    public var state: String?
    public var stateReason: String?
    public var labels: [String]?
    public var assignees: [String]?
    public var author: String?
    public var updatedAt: String
    /// Deleted, or transferred away (then `transferredTo` is `owner/repo#number`).
    public var isDeleted: Bool
    public var transferredTo: String?

    public init(repository: String, number: Int64, title: String?, state: String?, stateReason: String?, labels: [String]?,
                assignees: [String]?, author: String?, updatedAt: String, isDeleted: Bool, transferredTo: String?) {
        self.repository = repository
        self.number = number
        self.title = title
        self.state = state
        self.stateReason = stateReason
        self.labels = labels
        self.assignees = assignees
        self.author = author
        self.updatedAt = updatedAt
        self.isDeleted = isDeleted
        self.transferredTo = transferredTo
    }
}

/// One push delivery, and what it says about its repository's last push.
public struct PushRecord: Sendable, Equatable {
    public var repositoryID: Int64
    public var repository: String
    public var isPrivate: Bool?
    public var ref: String
    public var beforeSHA: String?
    public var afterSHA: String?
    public var isForced: Bool?
    public var isCreated: Bool?
    public var isDeleted: Bool?
    public var commitCount: Int
    public var headCommitID: String?
    public var headCommitMessage: String?
    public var pusher: String?
    /// `repository.pushed_at` (Unix seconds in push payloads), normalized: the push's own clock.
    public var pushedAt: String?

    public init(repositoryID: Int64, repository: String, isPrivate: Bool?, ref: String, beforeSHA: String?, afterSHA: String?,
                isForced: Bool?, isCreated: Bool?, isDeleted: Bool?, commitCount: Int, headCommitID: String?,
                headCommitMessage: String?, pusher: String?, pushedAt: String?) {
        self.repositoryID = repositoryID
        self.repository = repository
        self.isPrivate = isPrivate
        self.ref = ref
        self.beforeSHA = beforeSHA
        self.afterSHA = afterSHA
        self.isForced = isForced
        self.isCreated = isCreated
        self.isDeleted = isDeleted
        self.commitCount = commitCount
        self.headCommitID = headCommitID
        self.headCommitMessage = headCommitMessage
        self.pusher = pusher
        self.pushedAt = pushedAt
    }
}

/// A repository's last push as the mirror keeps it.
public struct LastPush: Sendable, Equatable {
    public var ref: String?
    public var afterSHA: String?
    public var pusher: String?
    public var pushedAt: String?
}

/// An installation event's view of an integration (issue: sync).
public struct InstallationRecord: Sendable, Equatable {
    public var installationID: Int64
    public var accountLogin: String?
    public var accountID: Int64?
    public var accountType: String?
    public var repositorySelection: String?
    public var permissions: String?
    public var events: String?
    /// `active`, `suspended` or `deleted`.
    public var status: String
    public var suspendedAt: String?
    /// GitHub's installation.updated_at (normalized), or the event's own time when absent.
    public var updatedAt: String

    public init(installationID: Int64, accountLogin: String?, accountID: Int64?, accountType: String?, repositorySelection: String?,
                permissions: String?, events: String?, status: String, suspendedAt: String?, updatedAt: String) {
        self.installationID = installationID
        self.accountLogin = accountLogin
        self.accountID = accountID
        self.accountType = accountType
        self.repositorySelection = repositorySelection
        self.permissions = permissions
        self.events = events
        self.status = status
        self.suspendedAt = suspendedAt
        self.updatedAt = updatedAt
    }
}

/// A repository an installation can (or no longer can) see.
public struct InstallationRepository: Sendable, Equatable {
    public var repositoryID: Int64
    public var fullName: String
    public var isPrivate: Bool?

    public init(repositoryID: Int64, fullName: String, isPrivate: Bool?) {
        self.repositoryID = repositoryID
        self.fullName = fullName
        self.isPrivate = isPrivate
    }
}

/// A webhook as its `ping` describes it (docs/github-protocol.md, section 5).
public struct HookRecord: Sendable, Equatable {
    public var hookID: Int64
    public var hookType: String?
    public var appID: Int64?
    public var events: [String]?

    public init(hookID: Int64, hookType: String?, appID: Int64?, events: [String]?) {
        self.hookID = hookID
        self.hookType = hookType
        self.appID = appID
        self.events = events
    }
}

/// What a handler wants the mirror to become; applied by the writer in the transaction that
/// records the handler's outcome, so the mirror and the event's status never disagree.
public enum MirrorChange: Sendable, Equatable {
    case pullRequest(PullRequestRecord)
    case workflowRun(WorkflowRunRecord)
    case issue(IssueRecord)
    case push(PushRecord)
    case installation(InstallationRecord)
    /// Repositories added to (`installationID` set) or removed from (`installationID` nil) an installation.
    case installationRepositories(installationID: Int64?, [InstallationRepository])
    /// `installation_repositories` says whether the installation now sees all or selected repositories.
    case repositorySelection(installationID: Int64, String)
    case hook(HookRecord)
}
