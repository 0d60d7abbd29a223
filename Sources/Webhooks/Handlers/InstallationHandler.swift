import Common

/// `installation` (every App receives it): the integration's status, account, repository
/// selection, permissions and events, and the repositories it lists (docs/github-protocol.md, section 14).
@Sendable func handleInstallation(_ event: WebhookEvent) throws(HandlerError) -> HandlerResult {
    let installation = try event.payload.requiredObject("installation")
    let installationID = try installation.requiredInt("id")
    let status: String
    switch event.action {
    case "created", "unsuspend", "new_permissions_accepted": status = "active"
    case "suspend": status = "suspended"
    case "deleted": status = "deleted"
    default: status = ""
    }
    // Every installation event names its account; the `installation` of other events is only an
    // id, so without one this is no installation event (a body replayed under another event name).
    let account = status.isEmpty ? installation["account"] : try installation.requiredObject("account")
    let summary: JSONValue = [
        "installation_id": .int(installationID), "action": event.action.map { .string($0) } ?? .null,
        "account": (account?["login"] ?? account?["slug"])?.value ?? .null,
        "repository_selection": installation.optional("repository_selection"),
    ]
    if status.isEmpty { return HandlerResult(summary: summary, isSkipped: true) }
    guard let record = try InstallationRecord(gitHub: installation, status: status) else { return HandlerResult(summary: summary) }
    var changes: [MirrorChange] = [.installation(record)]
    let repositories = InstallationRepository.list(event.payload["repositories"])
    if !repositories.isEmpty {
        changes.append(.installationRepositories(installationID: status == "deleted" ? nil : installationID, repositories))
    }
    return HandlerResult(summary: summary, changes: changes)
}

/// `installation_repositories`: repositories added to or removed from an installation, and its new
/// repository selection.
@Sendable func handleInstallationRepositories(_ event: WebhookEvent) throws(HandlerError) -> HandlerResult {
    let installationID = try event.payload.requiredObject("installation").requiredInt("id")
    let added = InstallationRepository.list(event.payload["repositories_added"])
    let removed = InstallationRepository.list(event.payload["repositories_removed"])
    let summary: JSONValue = [
        "installation_id": .int(installationID), "action": event.action.map { .string($0) } ?? .null,
        "added": .array(added.map { .string($0.fullName) }), "removed": .array(removed.map { .string($0.fullName) }),
        "repository_selection": event.payload.optional("repository_selection"),
    ]
    guard event.action == "added" || event.action == "removed" else { return HandlerResult(summary: summary, isSkipped: true) }
    var changes: [MirrorChange] = []
    if !added.isEmpty { changes.append(.installationRepositories(installationID: installationID, added)) }
    if !removed.isEmpty { changes.append(.installationRepositories(installationID: nil, removed)) }
    if let selection = event.payload["repository_selection"]?.stringValue {
        changes.append(.repositorySelection(installationID: installationID, selection))
    }
    return HandlerResult(summary: summary, changes: changes)
}
