import PostgreSQL

/// The stores' connection on PostgreSQL: `PostgreSQLConnection` (libpq) seen through `SQLConnection`.
/// Statements are written as for SQLite, with `?` parameters, numbered `$1...$n` here; their rows
/// are read whole at the first `step` (a statement's result is copied out of libpq at once), and
/// the search path is the store's schema, so the stores name tables without it.
public final class PostgreSQLStoreConnection: SQLConnection {
    public let connection: PostgreSQLConnection
    public let schema: String
    public private(set) var totalChanges = 0
    public private(set) var lastStatementChanges = 0

    public var dialect: SQLDialect { .postgreSQL }

    public init(uri: String, schema: String) throws {
        connection = try PostgreSQLConnection(uri: uri)
        self.schema = schema
        try connection.execute("SELECT set_config('search_path', $1, false)", [.text(schema)])
        // The server's NOTICEs (a migration's "already exists, skipping") would go to standard
        // error through libpq's default notice processor: only warnings and errors are wanted.
        try connection.execute("SET client_min_messages = warning")
    }

    public func execute(_ sql: String) throws { try connection.executeScript(sql) }

    public func prepare(_ sql: String) throws -> any SQLStatement { PostgreSQLStoreStatement(owner: self, sql: sql) }

    public func inTransaction<T>(immediate: Bool, _ body: () throws -> T) throws -> T {
        try connection.inTransaction(body)
    }

    public var transactionState: SQLTransactionState {
        switch connection.transactionStatus {
        case .idle: .none
        case .inTransaction, .busy: .open
        case .failed, .unknown: .failed
        }
    }

    /// Statements prepared on the server in this session, by SQL and parameter kinds: parsing and
    /// planning each run was a large part of the server's CPU under make bench's intake. Bounded,
    /// since the admin's queries are built from their filters; past the bound, statements run
    /// unprepared.
    private var prepared: [PreparedKey: String] = [:]
    static let preparedLimit = 400

    private struct PreparedKey: Hashable {
        var sql: String
        /// Each parameter's kind; a NULL's kind is left to the server.
        var kinds: [UInt8]
    }

    /// Runs one statement, counting the rows it changed.
    func run(_ sql: String, _ values: [SQLValue]) throws -> PostgreSQLResult {
        let parameters = values.map(\.postgreSQL)
        let result: PostgreSQLResult
        if let name = try preparedName(sql, values, parameters) {
            result = try connection.executePrepared(name: name, parameters)
        } else {
            result = try connection.execute(sql, parameters)
        }
        totalChanges += result.affectedRows
        lastStatementChanges = result.affectedRows
        return result
    }

    /// Runs `statements` (written with `?`) in one round trip, libpq's pipeline mode, each prepared
    /// first if it is not yet; returns each one's rows. A failure rolls back a transaction the
    /// statements began, and its `failedStatement` says which one failed.
    func pipeline(_ statements: [(sql: String, values: [SQLValue])]) throws -> [[[SQLValue]]] {
        var entries: [(statement: PostgreSQLConnection.PipelineStatement, parameters: [PostgreSQLValue])] = []
        for (sql, values) in statements {
            let numbered = numberedSQL[sql] ?? PostgreSQLStoreConnection.numberingParameters(sql)
            numberedSQL[sql] = numbered
            let parameters = values.map(\.postgreSQL)
            let name = values.isEmpty ? nil : try preparedName(numbered, values, parameters)
            entries.append((name.map { .prepared($0) } ?? .sql(numbered), parameters))
        }
        let results = try connection.pipeline(entries)
        return results.map { result in
            totalChanges += result.affectedRows
            return (0..<result.count).map { row in (0..<result.columnTypes.count).map { result.value(row, $0) } }
        }
    }

    private var numberedSQL: [String: String] = [:]

    /// The name of a statement prepared for `sql` that takes `values`: one prepared with the same
    /// kinds (a NULL goes with any kind), or a new one; nil past the bound, or inside a transaction
    /// that failed (where only a rollback is taken).
    private func preparedName(_ sql: String, _ values: [SQLValue], _ parameters: [PostgreSQLValue]) throws -> String? {
        let kinds = values.map(\.kind)
        if let name = prepared[PreparedKey(sql: sql, kinds: kinds)] { return name }
        if kinds.contains(0), let match = prepared.first(where: { key, _ in
            key.sql == sql && key.kinds.count == kinds.count && zip(key.kinds, kinds).allSatisfy { $1 == 0 || $0 == $1 }
        }) {
            return match.value
        }
        guard prepared.count < PostgreSQLStoreConnection.preparedLimit, connection.transactionStatus != .failed else { return nil }
        let name = "hubsync_\(prepared.count + 1)"
        try connection.prepare(name: name, sql: sql, typedAs: parameters)
        prepared[PreparedKey(sql: sql, kinds: kinds)] = name
        return name
    }

    /// SQL with `?` parameters numbered as PostgreSQL wants them (`$1`, `$2`, ...). A `?` inside a
    /// string literal, a quoted identifier or a comment stays as it is.
    static func numberingParameters(_ sql: String) -> String {
        var output = ""
        output.reserveCapacity(sql.utf8.count + 16)
        var number = 0
        var quote: Character?
        var inComment = false
        var previous: Character?
        for character in sql {
            if inComment {
                if character == "\n" { inComment = false }
            } else if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "-" && previous == "-" {
                inComment = true
            } else if character == "?" {
                number += 1
                output += "$\(number)"
                previous = character
                continue
            }
            output.append(character)
            previous = character
        }
        return output
    }
}

/// A statement on PostgreSQL: the SQL numbered once, the values bound, and the rows of the last
/// run, stepped through from memory.
final class PostgreSQLStoreStatement: SQLStatement {
    let sql: String
    private let numbered: String
    /// Kept alive by its statements, as a SQLite connection is by its.
    private let owner: PostgreSQLStoreConnection
    private var values: [SQLValue] = []
    private var result: PostgreSQLResult?
    private var row = -1

    init(owner: PostgreSQLStoreConnection, sql: String) {
        self.owner = owner
        self.sql = sql
        numbered = PostgreSQLStoreConnection.numberingParameters(sql)
    }

    func bind(_ values: [SQLValue]) throws {
        reset()
        self.values = values
    }

    func withBindings<T>(_ values: [SQLValue], _ body: () throws -> T) throws -> T {
        try bind(values)
        defer { reset() }
        return try body()
    }

    func step() throws -> Bool {
        if result == nil {
            result = try owner.run(numbered, values)
            row = -1
        }
        row += 1
        return row < result!.count
    }

    func reset() {
        values = []
        result = nil
        row = -1
    }

    func isNull(_ column: Int32) -> Bool { result?.isNull(row, Int(column)) ?? true }
    var columnCount: Int32 { Int32(result?.columnTypes.count ?? 0) }

    func value(_ column: Int32) -> SQLValue { result?.value(row, Int(column)) ?? .null }
    func int64(_ column: Int32) -> Int64 { result?.int64(row, Int(column)) ?? 0 }

    func text(_ column: Int32) -> String? {
        guard let result else { return nil }
        // SQLite gives a number's text when asked for it; so does this.
        if [20, 21, 23, 1700].contains(result.columnTypes[Int(column)]) { return result.int64(row, Int(column)).map { String($0) } }
        return result.text(row, Int(column))
    }

    func blob(_ column: Int32) -> [UInt8] { result?.bytes(row, Int(column)) ?? [] }
}

extension SQLValue {
    /// 0 for NULL, then integer, text, bytes.
    var kind: UInt8 {
        switch self {
        case .null: 0
        case .integer: 1
        case .text: 2
        case .blob: 3
        }
    }

    var postgreSQL: PostgreSQLValue {
        switch self {
        case .null: .null
        case .integer(let value): .integer(value)
        case .text(let value): .text(value)
        case .blob(let value): .bytes(value)
        }
    }
}

extension PostgreSQLResult {
    /// A column as SQLite would give it: integers (bigint, integer, smallint, boolean, an integral
    /// numeric), bytes, or text.
    func value(_ row: Int, _ column: Int) -> SQLValue {
        guard !isNull(row, column) else { return .null }
        switch columnTypes[column] {
        case 20, 21, 23, 16: return int64(row, column).map { .integer($0) } ?? .null
        case 17: return .blob(bytes(row, column) ?? [])
        default: return .text(text(row, column) ?? "")
        }
    }
}
