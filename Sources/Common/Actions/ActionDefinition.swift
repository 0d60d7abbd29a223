/// One action: which events it takes and what it does with each. Read from a `NAME.action` file
/// (ActionFile); the dispatcher (`hubsync dispatch`) runs it for every matching delivery, from the
/// outbox item stored in the delivery's own commit.
public struct ActionDefinition: Sendable, Equatable {
    /// The file's name without `.action`: letters, digits, `-`, `_` and `.`.
    public var name: String
    /// `EVENTS`: nil for `*` (every event).
    public var events: Set<String>?
    /// `ACTIONS`: the payload's `action` values; nil for all (and for events that have none).
    public var actions: Set<String>?
    /// `REPOSITORIES`: `owner/name` globs; nil for every delivery, with or without a repository.
    public var repositories: [RepositoryGlob]?
    /// `BRANCHES`: branch globs; nil for every delivery, with or without a branch.
    public var branches: [BranchGlob]?
    public var target: ActionTarget
    /// `TIMEOUT`: one try's limit.
    public var timeoutSeconds: Int
    /// `RETRY_SCHEDULE`: the waits after each failed try; after the last one the item is dead.
    public var retrySchedule: [Int]
    /// `WITH_TOKEN=yes`: a command gets an installation token in GH_TOKEN.
    public var withToken: Bool
    /// `CONCURRENCY`: how many of the action's items may run at once (1: one at a time, in order).
    public var concurrency: Int = 1
    /// `FORWARD_SIGNATURE`: how a forwarded delivery is signed (the forward target's secret is the
    /// Standard Webhooks key, decoded, with `.standardWebhooks`).
    public var forwardSignature: ForwardSignature = .github
    /// The file's text: what the outbox stores (sealed) with each item, and reads back to run it.
    public var source: [UInt8]

    /// What binds a sealed version to its action's name (SecretBox's associated data).
    public static func sealingContext(_ name: String) -> String { "action:\(name)" }

    /// The version's identity: a keyed SHA-256 of the file's text.
    public var digest: [UInt8] { HMACSHA256.authenticationCode(key: Array("pulser-hub-sync action".utf8), message: source) }

    public static let defaultTimeoutSeconds = 30
    /// Seven tries over about a day: quick at first for a destination that blinked, then spaced out
    /// for one that is down for maintenance (Svix and Stripe space theirs the same way).
    public static let defaultRetrySchedule = [10, 60, 600, 3_600, 6 * 3_600, 12 * 3_600]

    /// Whether a delivery is one for this action.
    public func matches(_ delivery: DeliveryFacts) -> Bool {
        if let events, !events.contains(delivery.event) { return false }
        if let actions {
            guard let action = delivery.action, actions.contains(action) else { return false }
        }
        if let repositories {
            guard let repository = delivery.repository, repositories.contains(where: { $0.matches(repository) }) else { return false }
        }
        if let branches {
            guard let branch = delivery.branch, branches.contains(where: { $0.matches(branch) }) else { return false }
        }
        return true
    }
}

/// What an action's filters look at in a delivery: the `X-GitHub-Event` header, and from the
/// payload the `action`, the repository's full name and the branch (`WebhookPayload.branch`).
public struct DeliveryFacts: Sendable, Equatable {
    public var event: String
    public var action: String?
    public var repository: String?
    public var branch: String?

    public init(event: String, action: String? = nil, repository: String? = nil, branch: String? = nil) {
        self.event = event
        self.action = action
        self.repository = repository
        self.branch = branch
    }
}

/// How a forwarded delivery is signed: as GitHub signs it (`X-Hub-Signature-256`, what the Odoo
/// module and Probot check), or as Standard Webhooks do (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature`; StandardWebhookSignature).
public enum ForwardSignature: String, Sendable, Equatable {
    case github
    case standardWebhooks = "standard-webhooks"
}

/// What an action does with a delivery.
public enum ActionTarget: Sendable, Equatable {
    /// POST the stored body, GitHub's headers and a signature made with `secret` to `url`.
    case forward(url: String, secret: [UInt8])
    /// Run `arguments` (the program, then its arguments; `/bin/sh -c TEXT` with `USE_SHELL=yes`)
    /// with the body on standard input.
    case command(arguments: [String])
}
