import Common

/// The console's integrations and outbox pages (issue 17): what `hubsync integrations` and
/// `hubsync outbox` show, and the outbox's retry button.
struct ConsoleAdminPages {
    let services: CallbackServices
    let base: String
    let admin: AdminSession.Admin
    static let outboxPageSize = 100

    private func page(_ title: String, _ content: String) -> HTTPResponse {
        ConsolePage(title: title, base: base, admin: admin.login, content: content).response()
    }

    func integrations() throws -> HTTPResponse {
        let database = try Database(configuration: services.configuration)
        let tokens = TokenStore(database: database)
        let rows = try IntegrationStore(database: database).all().map { integration in
            let permissions = integration.permissions.flatMap { try? JSONParser.parse($0) }
            let events = integration.events.flatMap { try? JSONParser.parse($0) }
            let expiry = try tokens.token(kind: .installation, ownerID: integration.installationID)?.expiresAt
            return [String(integration.installationID), escapeHTML(integration.accountLogin ?? ""), escapeHTML(integration.accountType ?? ""),
                    escapeHTML(integration.repositorySelection ?? ""),
                    escapeHTML(permissionList(permissions)),
                    escapeHTML(events?.arrayValue?.compactMap(\.stringValue).sorted().joined(separator: ", ") ?? ""),
                    ConsolePage.statusCell(integration.status, bad: integration.status != "active"),
                    escapeHTML(expiry.map { String($0.prefix(16)).replacingT() } ?? "none held")]
        }
        let content = rows.isEmpty ? "<p>No installation recorded yet: install the App from /github/install.</p>\n"
            : ConsolePage.table(["Installation", "Account", "Type", "Repositories", "Permissions", "Events", "Status", "Token expires"], rows,
                                badRows: Set(rows.indices.filter { !rows[$0][6].contains(">active<") }))
        return page("Integrations", content)
    }

    func outbox(_ parameters: [String: String]) throws -> HTTPResponse {
        let status = parameters["status"].flatMap(OutboxStatus.init(rawValue:))
        let store = try OutboxStore(database: try Database(configuration: services.configuration))
        let items = try store.list(status: status, limit: ConsoleAdminPages.outboxPageSize)
        let counts = try store.counts()
        var content = "<p>" + OutboxStatus.allCases.map { state in
            "<a href=\"\(escapeHTML(base))/outbox?status=\(state.rawValue)\">\(state.rawValue): \(counts.byStatus[state] ?? 0)</a>"
        }.joined(separator: " · ") + "</p>\n"
        let retryable: Set<OutboxStatus> = [.dead, .cancelled, .retrying]
        content += ConsolePage.table(["Item", "Action", "Delivery", "Status", "Tries", "Next try", "Last result", ""], items.map { item in
            ["\(item.id)", escapeHTML(item.action), "<a href=\"\(escapeHTML(base))/events/\(item.eventID)\">\(escapeHTML(item.event)) \(escapeHTML(item.deliveryID))</a>",
             ConsolePage.statusCell(item.status.rawValue, bad: item.status == .dead), String(item.attempts), escapeHTML(item.nextAttemptAt ?? ""),
             escapeHTML(item.lastResult ?? ""),
             retryable.contains(item.status) && item.attemptStartedAt == nil
                ? ConsolePage.button("Retry", action: "\(base)/outbox/\(item.id)/retry", csrf: admin.csrfToken) : ""]
        }, badRows: Set(items.indices.filter { items[$0].status == .dead }))
        if items.isEmpty { content += "<p>No item\(status.map { " is \($0.rawValue)" } ?? " yet").</p>\n" }
        return page("Outbox" + (status.map { ": \($0.rawValue)" } ?? ""), content)
    }

    /// `POST <base>/outbox/{id}/retry`: from the start of its schedule, now (`hubsync outbox retry`).
    func retry(itemID: Int64) throws -> HTTPResponse {
        let store = try OutboxStore(database: try Database(configuration: services.configuration))
        guard try store.item(id: itemID) != nil else { throw ConsoleError.notFound }
        let changed = try store.retry(ids: [itemID])
        services.logger.info("console: outbox retry", [("login", .string(admin.login)), ("item", .int(Int(itemID))), ("changed", .int(changed))])
        return HTTPResponse(status: 303, headers: [("Location", "\(base)/outbox")] + ConsolePage.securityHeaders)
    }

    private func permissionList(_ value: JSONValue?) -> String {
        guard case .object(let object)? = value else { return "" }
        return object.members.map { "\($0.key): \($0.value.stringValue ?? "")" }.sorted().joined(separator: ", ")
    }
}
