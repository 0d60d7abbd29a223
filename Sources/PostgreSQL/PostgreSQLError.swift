/// What PostgreSQL or libpq said went wrong: the SQLSTATE when the server sent one (`23505` a
/// unique violation, `57P01` the server shutting down, ...), and the primary message. Never the
/// connection string: it may hold a password.
public struct PostgreSQLError: Error, Equatable, CustomStringConvertible {
    public var sqlState: String?
    public var message: String
    /// The connection is gone (refused, reset, the server stopped): reconnecting may help.
    public var connectionLost: Bool
    /// In a pipeline, the index of the statement that failed.
    public var failedStatement: Int?

    public init(sqlState: String? = nil, message: String, connectionLost: Bool = false) {
        self.sqlState = sqlState
        self.message = message
        self.connectionLost = connectionLost
    }

    public var description: String {
        "PostgreSQL: " + message + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
    }

    /// A unique or primary key violation.
    public var isUniqueViolation: Bool { sqlState == "23505" }
}
