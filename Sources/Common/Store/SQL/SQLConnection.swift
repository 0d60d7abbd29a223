/// What the stores need of a database connection, served by SQLite's wrapper (`SQLiteConnection`)
/// and PostgreSQL's (`PostgreSQLStoreConnection`): statements prepared once and run many times,
/// transactions, and the count of rows a statement changed. The stores write their SQL once where
/// the two dialects agree (they mostly do: both have RETURNING, ON CONFLICT, partial indexes,
/// window functions and FILTER), and ask `dialect` where they do not. Parameters are written `?`
/// in either dialect; PostgreSQL's wrapper numbers them.
public protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs statements that bind nothing and return nothing of interest (several at once only
    /// for SQL this program wrote).
    func execute(_ sql: String) throws
    func prepare(_ sql: String) throws -> any SQLStatement
    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws (the
    /// body's error is rethrown, not the rollback's). `immediate`: SQLite takes the write lock at
    /// BEGIN; PostgreSQL locks rows as statements reach them, so it is the same as a plain BEGIN.
    func inTransaction<T>(immediate: Bool, _ body: () throws -> T) throws -> T
    /// Whether a transaction is open, and whether it can go on: SQLite undoes a failed statement
    /// alone and keeps the transaction (though it abandons it on some errors), while PostgreSQL
    /// refuses every statement after a failure until a rollback (to a savepoint, or of the whole).
    var transactionState: SQLTransactionState { get }
    /// Rows inserted, updated or deleted since the connection opened (an upsert whose WHERE refused
    /// the update counts none): the difference across a few statements is what they changed.
    var totalChanges: Int { get }
    /// Rows the last statement inserted, updated or deleted itself (not those its triggers or
    /// foreign keys' ON DELETE CASCADE changed).
    var lastStatementChanges: Int { get }
}

public enum SQLTransactionState: Sendable, Equatable {
    case none
    case open
    /// A statement failed: only ROLLBACK or ROLLBACK TO a savepoint is accepted.
    case failed
}

public enum SQLDialect: Sendable, Equatable {
    case sqlite
    case postgreSQL
}

/// A value bound to a statement parameter.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])
}

/// A prepared statement: bind, step through its rows, reset. Columns are numbered from 0.
public protocol SQLStatement: AnyObject {
    var sql: String { get }
    /// Binds `values` to parameters 1...n after clearing the previous use, for queries whose rows
    /// are read with `step`.
    func bind(_ values: [SQLValue]) throws
    /// Binds `values` for the duration of `body` only (a body is bound without a copy where the
    /// database allows it), and ends the use before returning.
    func withBindings<T>(_ values: [SQLValue], _ body: () throws -> T) throws -> T
    /// Advances to the next row: true while a row is available, false when done.
    @discardableResult func step() throws -> Bool
    /// Ends this use and drops the bound values.
    func reset()
    /// Columns of the current row.
    var columnCount: Int32 { get }
    /// A column as the database holds it (an integer, text, bytes or NULL).
    func value(_ column: Int32) -> SQLValue
    func isNull(_ column: Int32) -> Bool
    func int64(_ column: Int32) -> Int64
    func text(_ column: Int32) -> String?
    func blob(_ column: Int32) -> [UInt8]
}

extension SQLStatement {
    /// Binds, runs to completion and resets: for statements that return no rows.
    public func run(_ values: [SQLValue]) throws {
        try withBindings(values) { while try step() {} }
    }

    public func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }
}

extension SQLConnection {
    public func inTransaction<T>(_ body: () throws -> T) throws -> T { try inTransaction(immediate: true, body) }

    /// The first column of the first row, if any and not NULL.
    public func scalarInt(_ sql: String, _ values: [SQLValue] = []) throws -> Int64? {
        try firstRow(sql, values) { $0.optionalInt64(0) } ?? nil
    }

    public func scalarText(_ sql: String, _ values: [SQLValue] = []) throws -> String? {
        try firstRow(sql, values) { $0.text(0) } ?? nil
    }

    /// `read` of the first row of `sql`, nil when there is none; the statement is reset after.
    private func firstRow<T>(_ sql: String, _ values: [SQLValue], _ read: (any SQLStatement) -> T) throws -> T? {
        let statement = try prepare(sql)
        try statement.bind(values)
        defer { statement.reset() }
        return try statement.step() ? read(statement) : nil
    }

    /// SQLite's `INDEXED BY index ` (which makes its planner take the index it would not pick
    /// without statistics); nothing on PostgreSQL, whose planner has statistics (ANALYZE by autovacuum).
    public func indexedBy(_ index: String) -> String { dialect == .sqlite ? "INDEXED BY \(index) " : "" }

    /// Rows changed by running `statement` with each of `values` in turn (by the statement
    /// itself: not its triggers or cascades).
    public func changes(running statement: any SQLStatement, with values: [[SQLValue]]) throws -> Int {
        var changed = 0
        for row in values {
            try statement.run(row)
            changed += lastStatementChanges
        }
        return changed
    }
}
