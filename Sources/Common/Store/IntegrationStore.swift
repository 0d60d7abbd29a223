/// An installation of the App, as the callback (and later the `installation` handler) records it.
public struct Integration: Sendable, Equatable {
    public var installationID: Int64
    public var accountLogin: String?
    public var accountID: Int64?
    public var accountType: String?
    public var repositorySelection: String?
    /// JSON text: GitHub's `permissions` object and `events` array, as received.
    public var permissions: String?
    public var events: String?
    public var setupAction: String?
    public var installedByLogin: String?
    public var installedByID: Int64?
    public var status: String
    public var suspendedAt: String?
    public var createdAt: String
    public var updatedAt: String

    public init(installationID: Int64, accountLogin: String?, accountID: Int64?, accountType: String?,
                repositorySelection: String?, permissions: String?, events: String?, setupAction: String?,
                installedByLogin: String?, installedByID: Int64?, status: String, suspendedAt: String?,
                createdAt: String, updatedAt: String) {
        self.installationID = installationID
        self.accountLogin = accountLogin
        self.accountID = accountID
        self.accountType = accountType
        self.repositorySelection = repositorySelection
        self.permissions = permissions
        self.events = events
        self.setupAction = setupAction
        self.installedByLogin = installedByLogin
        self.installedByID = installedByID
        self.status = status
        self.suspendedAt = suspendedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The `integrations` table: all of its SQL.
public final class IntegrationStore {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// Creates or updates the row. `created_at` and an earlier installer are kept on update.
    public func save(_ integration: Integration) throws {
        try database.write {
            try database.connection.prepare("""
                INSERT INTO integrations (installation_id, account_login, account_id, account_type, repository_selection,
                    permissions, events, setup_action, installed_by_login, installed_by_id, status, suspended_at,
                    created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (installation_id) DO UPDATE SET
                    account_login = excluded.account_login, account_id = excluded.account_id,
                    account_type = excluded.account_type, repository_selection = excluded.repository_selection,
                    permissions = excluded.permissions, events = excluded.events, setup_action = excluded.setup_action,
                    installed_by_login = coalesce(integrations.installed_by_login, excluded.installed_by_login),
                    installed_by_id = coalesce(integrations.installed_by_id, excluded.installed_by_id),
                    status = excluded.status, suspended_at = excluded.suspended_at, updated_at = excluded.updated_at
                """).run([
                    .integer(integration.installationID), text(integration.accountLogin), integer(integration.accountID),
                    text(integration.accountType), text(integration.repositorySelection), text(integration.permissions),
                    text(integration.events), text(integration.setupAction), text(integration.installedByLogin),
                    integer(integration.installedByID), .text(integration.status), text(integration.suspendedAt),
                    .text(integration.createdAt), .text(integration.updatedAt),
                ])
        }
    }

    public func integration(installationID: Int64) throws -> Integration? {
        let statement = try database.connection.prepare("SELECT \(IntegrationStore.columns) FROM integrations WHERE installation_id = ?")
        try statement.bind([.integer(installationID)])
        guard try statement.step() else { return nil }
        return IntegrationStore.integration(from: statement)
    }

    /// Every integration, by installation id.
    public func all() throws -> [Integration] {
        let statement = try database.connection.prepare("SELECT \(IntegrationStore.columns) FROM integrations ORDER BY installation_id")
        var integrations: [Integration] = []
        while try statement.step() { integrations.append(IntegrationStore.integration(from: statement)) }
        return integrations
    }

    private static let columns = """
        installation_id, account_login, account_id, account_type, repository_selection, permissions, events,
        setup_action, installed_by_login, installed_by_id, status, suspended_at, created_at, updated_at
        """

    private static func integration(from statement: any SQLStatement) -> Integration {
        Integration(
            installationID: statement.int64(0), accountLogin: statement.text(1), accountID: statement.optionalInt64(2),
            accountType: statement.text(3), repositorySelection: statement.text(4), permissions: statement.text(5),
            events: statement.text(6), setupAction: statement.text(7), installedByLogin: statement.text(8),
            installedByID: statement.optionalInt64(9), status: statement.text(10) ?? "active", suspendedAt: statement.text(11),
            createdAt: statement.text(12) ?? "", updatedAt: statement.text(13) ?? "")
    }
}

func text(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
func integer(_ value: Int64?) -> SQLValue { value.map { .integer($0) } ?? .null }
