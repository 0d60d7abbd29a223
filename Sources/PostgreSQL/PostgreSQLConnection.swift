internal import CLibPQ

/// One connection to PostgreSQL through libpq: the only type that holds a `PGconn` pointer.
/// Statements go with `PQexecParams` (parameters apart from the SQL, so nothing from outside is
/// ever spliced into it), in binary both ways. Not thread-safe: one connection per thread, as with
/// SQLite.
public final class PostgreSQLConnection {
    private let connection: OpaquePointer

    /// `uri`: libpq's connection URI (`postgresql://user@host:port/db?sslmode=...`); a password is
    /// best kept in PGPASSFILE, which libpq reads by itself. Errors never repeat the URI.
    public init(uri: String, connectTimeoutSeconds: Int = 5) throws(PostgreSQLError) {
        guard uri.hasPrefix("postgresql://") || uri.hasPrefix("postgres://") else {
            throw PostgreSQLError(message: "not a postgresql:// or postgres:// URI")
        }
        // connect_timeout unless the URI sets one; a bad URI is refused by libpq itself.
        let withTimeout = uri.contains("connect_timeout=") ? uri : uri + (uri.contains("?") ? "&" : "?") + "connect_timeout=\(connectTimeoutSeconds)"
        guard let connection = PQconnectdb(withTimeout) else { throw PostgreSQLError(message: "out of memory", connectionLost: true) }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = PostgreSQLConnection.trimmed(PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgreSQLError(message: message, connectionLost: true)
        }
        self.connection = connection
    }

    deinit { PQfinish(connection) }

    /// Whether the connection is still up as far as libpq knows (it learns of a loss on use).
    public var isConnected: Bool { PQstatus(connection) == CONNECTION_OK }

    /// Whether a transaction is open, and whether a statement in it failed (PQtransactionStatus).
    public var transactionStatus: PostgreSQLTransactionStatus {
        switch PQtransactionStatus(connection) {
        case PQTRANS_IDLE: .idle
        case PQTRANS_INTRANS: .inTransaction
        case PQTRANS_INERROR: .failed
        case PQTRANS_ACTIVE: .busy
        default: .unknown
        }
    }

    /// The server's version as a number (150018 for 15.18).
    public var serverVersion: Int { Int(PQserverVersion(connection)) }

    /// Runs one statement with its parameters and returns its rows (none for a command).
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgreSQLValue] = []) throws(PostgreSQLError) -> PostgreSQLResult {
        let encoded = EncodedParameters(parameters)
        let result = withPointers(to: encoded.buffers) { pointers in
            PQexecParams(connection, sql, Int32(parameters.count), encoded.types, pointers, encoded.lengths, encoded.formats, 1)
        }
        guard let result else { throw connectionError() }
        defer { PQclear(result) }
        try check(result)
        return PostgreSQLConnection.copy(result)
    }

    /// Prepares `sql` on the server under `name`, with its parameters' types as `parameters`
    /// have them (a NULL's type is left to the server): parsed and planned once, then run by
    /// `executePrepared` as often as wanted in this session.
    public func prepare(name: String, sql: String, typedAs parameters: [PostgreSQLValue]) throws(PostgreSQLError) {
        let types = EncodedParameters(parameters).types
        guard let result = PQprepare(connection, name, sql, Int32(types.count), types) else { throw connectionError() }
        defer { PQclear(result) }
        try check(result)
    }

    /// Runs the statement prepared as `name` with `parameters` (in binary, of the types it was
    /// prepared with, or NULL).
    public func executePrepared(name: String, _ parameters: [PostgreSQLValue]) throws(PostgreSQLError) -> PostgreSQLResult {
        let encoded = EncodedParameters(parameters)
        let result = withPointers(to: encoded.buffers) { pointers in
            PQexecPrepared(connection, name, Int32(parameters.count), pointers, encoded.lengths, encoded.formats, 1)
        }
        guard let result else { throw connectionError() }
        defer { PQclear(result) }
        try check(result)
        return PostgreSQLConnection.copy(result)
    }

    /// Sends every statement, then waits once: a batch in one round trip (libpq's pipeline mode).
    /// The statements run in order, each in its own implicit transaction unless the batch begins
    /// with BEGIN and ends with COMMIT; after a failure the server skips the rest up to the end of
    /// the batch, a transaction the batch began is rolled back, and the failure is thrown.
    @discardableResult
    public func pipeline(_ statements: [(sql: String, parameters: [PostgreSQLValue])]) throws(PostgreSQLError) -> [PostgreSQLResult] {
        try pipeline(statements.map { (statement: .sql($0.sql), parameters: $0.parameters) })
    }

    /// A statement of a pipeline: SQL, or the name of one prepared in this session.
    public enum PipelineStatement: Sendable {
        case sql(String)
        case prepared(String)
    }

    /// `pipeline` with statements prepared beforehand (`prepare(name:sql:typedAs:)`) or not. A
    /// failure's `failedStatement` is the index of the statement that failed.
    @discardableResult
    public func pipeline(_ statements: [(statement: PipelineStatement, parameters: [PostgreSQLValue])]) throws(PostgreSQLError) -> [PostgreSQLResult] {
        guard PQenterPipelineMode(connection) == 1 else { throw connectionError() }
        defer { _ = PQexitPipelineMode(connection) }
        for statement in statements {
            let encoded = EncodedParameters(statement.parameters)
            let sent = withPointers(to: encoded.buffers) { pointers in
                switch statement.statement {
                case .sql(let sql):
                    PQsendQueryParams(connection, sql, Int32(statement.parameters.count), encoded.types, pointers,
                                      encoded.lengths, encoded.formats, 1)
                case .prepared(let name):
                    PQsendQueryPrepared(connection, name, Int32(statement.parameters.count), pointers, encoded.lengths, encoded.formats, 1)
                }
            }
            guard sent == 1 else { throw connectionError() }
        }
        guard PQpipelineSync(connection) == 1 else { throw connectionError() }
        // Each statement's result is followed by a NULL; the sync's own result ends the batch.
        var results: [PostgreSQLResult] = []
        var failure: PostgreSQLError?
        var ends = 0
        while true {
            guard let result = PQgetResult(connection) else {
                // The end of one statement's results. More ends than statements: the server sent an
                // error of no statement's (a shutdown's FATAL 57P01 between the last result and the
                // sync) or the stream broke. Either way the session is over: the batch's fate is
                // unknown, and the connection must be opened again.
                ends += 1
                if !isConnected || ends > statements.count {
                    var lost = failure ?? connectionError()
                    lost.connectionLost = true
                    throw lost
                }
                continue
            }
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            if status == PGRES_PIPELINE_SYNC { break }
            if status == PGRES_PIPELINE_ABORTED { continue }  // skipped after an earlier failure
            do {
                try check(result)
            } catch {
                if failure == nil {
                    failure = error
                    // Statement `ends` is the one whose results are arriving; none past the last.
                    failure?.failedStatement = ends < statements.count ? ends : nil
                }
            }
            if failure == nil { results.append(PostgreSQLConnection.copy(result)) }
        }
        if let failure {
            // A BEGIN in the batch leaves its transaction open and aborted (the COMMIT was skipped):
            // undo it here, so that the connection is as the batch found it.
            _ = PQexitPipelineMode(connection)
            if PQtransactionStatus(connection) != PQTRANS_IDLE { _ = try? execute("ROLLBACK") }
            throw failure
        }
        return results
    }

    private func connectionError() -> PostgreSQLError {
        PostgreSQLError(message: PostgreSQLConnection.trimmed(PQerrorMessage(connection)), connectionLost: !isConnected)
    }

    /// The rows of `result`, copied out of libpq's memory.
    private static func copy(_ result: OpaquePointer) -> PostgreSQLResult {
        let rowCount = Int(PQntuples(result)), columnCount = Int(PQnfields(result))
        var rows: [[[UInt8]?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [[UInt8]?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) != 0 {
                    values.append(nil)
                } else {
                    let length = Int(PQgetlength(result, Int32(row), Int32(column)))
                    let start = PQgetvalue(result, Int32(row), Int32(column))!
                    values.append(start.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) })
                }
            }
            rows.append(values)
        }
        // PQcmdTuples also counts a SELECT's rows: only what a command changed is wanted here.
        let tag = String(cString: PQcmdStatus(result))
        let changes = ["INSERT ", "UPDATE ", "DELETE ", "MERGE "].contains { tag.hasPrefix($0) }
        let affected = changes ? Int(String(cString: PQcmdTuples(result))) ?? 0 : 0
        return PostgreSQLResult(columnTypes: (0..<columnCount).map { UInt32(PQftype(result, Int32($0))) },
                                columnNames: (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) },
                                rows: rows, affectedRows: affected)
    }

    /// Runs several statements without parameters (a migration's script), through the simple query
    /// protocol, which takes more than one statement; only for SQL this program wrote.
    public func executeScript(_ sql: String) throws(PostgreSQLError) {
        guard let result = PQexec(connection, sql) else {
            throw PostgreSQLError(message: PostgreSQLConnection.trimmed(PQerrorMessage(connection)), connectionLost: !isConnected)
        }
        defer { PQclear(result) }
        try check(result)
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func inTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if isConnected { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Throws what a failed result says: its SQLSTATE and primary message.
    private func check(_ result: OpaquePointer) throws(PostgreSQLError) {
        let status = PQresultStatus(result)
        guard status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY else { return }
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
        let message = primary ?? PostgreSQLConnection.trimmed(PQresultErrorMessage(result))
        // Class 08 is a connection exception; 57P0x the server going away.
        let lost = !isConnected || state?.hasPrefix("08") == true || state?.hasPrefix("57P0") == true
        throw PostgreSQLError(sqlState: state, message: message, connectionLost: lost)
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        var text = String(cString: message)
        while text.last == "\n" || text.last == " " { text.removeLast() }
        return text.isEmpty ? "unknown error" : text
    }
}

public enum PostgreSQLTransactionStatus: Sendable, Equatable {
    case idle, inTransaction, failed, busy
    /// The connection is bad.
    case unknown
}

/// Parameters in binary: integers as 8 bytes big-endian (int8), text and bytea as their bytes.
private struct EncodedParameters {
    var types: [UInt32] = []
    var buffers: [[UInt8]?] = []
    var lengths: [Int32] { buffers.map { Int32($0?.count ?? 0) } }
    var formats: [Int32] { [Int32](repeating: 1, count: buffers.count) }

    init(_ parameters: [PostgreSQLValue]) {
        for parameter in parameters {
            switch parameter {
            case .null: types.append(0); buffers.append(nil)
            case .integer(let value): types.append(20); buffers.append((0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) })
            case .text(let value): types.append(25); buffers.append(Array(value.utf8))
            case .bytes(let value): types.append(17); buffers.append(value)
            }
        }
    }
}

/// C strings of `buffers` for the duration of `body` (nil stays NULL).
private func withPointers<R>(to buffers: [[UInt8]?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafePointer<CChar>?] = []
    var allocations: [UnsafeMutablePointer<UInt8>] = []
    defer { allocations.forEach { $0.deallocate() } }
    for buffer in buffers {
        guard let buffer else { pointers.append(nil); continue }
        let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, buffer.count))
        copy.initialize(from: buffer, count: buffer.count)
        allocations.append(copy)
        pointers.append(UnsafeRawPointer(copy).assumingMemoryBound(to: CChar.self))
    }
    return body(pointers)
}
