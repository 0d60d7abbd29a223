import Common

extension InstallationRecord {
    /// An installation object as GitHub sends it, in an `installation` webhook or from
    /// `GET /app/installations[/{id}]`, with the status the caller decided (webhooks: from the
    /// action; the REST API: from `suspended_at`). An enterprise account has `slug`, not `login`,
    /// and `target_type` is the account kind to trust (docs/github-protocol.md, section 9).
    public init?(gitHub installation: JSONNode, status: String) throws(HandlerError) {
        guard let installationID = installation["id"]?.int64Value else { return nil }
        let account = installation["account"]
        self.init(
            installationID: installationID, accountLogin: (account?["login"] ?? account?["slug"])?.stringValue,
            accountID: account?["id"]?.int64Value, accountType: installation["target_type"]?.stringValue ?? account?["type"]?.stringValue,
            repositorySelection: installation["repository_selection"]?.stringValue,
            permissions: installation["permissions"]?.value.jsonText, events: installation["events"]?.value.jsonText,
            status: status, suspendedAt: installation["suspended_at"]?.stringValue,
            updatedAt: try installation.gitHubTime("updated_at", in: "installation") ?? "")
    }
}

extension InstallationRepository {
    /// A repository of an installation: in `installation` and `installation_repositories`
    /// webhooks, or from `GET /installation/repositories`.
    public init?(gitHub repository: JSONNode) {
        guard let id = repository["id"]?.int64Value, let fullName = repository["full_name"]?.stringValue else { return nil }
        self.init(repositoryID: id, fullName: fullName, isPrivate: repository["private"]?.boolValue)
    }

    /// The repositories of a JSON array, skipping entries without an id or a name.
    public static func list(_ node: JSONNode?) -> [InstallationRepository] {
        (node?.arrayValue ?? []).compactMap { InstallationRepository(gitHub: $0) }
    }
}
