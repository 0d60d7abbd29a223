import Common
import Glibc
import PostgreSQL

/// `hubsync-bench postgres URI BODY ROWS BATCH`: PostgreSQL alone (issue 18), the counterpart of
/// `sqlite`: delivery rows with their states (the schema's trigger) committed BATCH per
/// transaction, each batch in one round trip (BEGIN, the INSERTs, COMMIT in libpq's pipeline
/// mode), the body made unique per row. With synchronous_commit on, a commit waits for its WAL
/// flush, as SQLite's FULL does.
enum PostgreSQLBench {
    static func run(_ arguments: [String]) throws {
        guard arguments.count >= 4, let rows = Int(arguments[2]), let batch = Int(arguments[3]), rows > 0, batch > 0
        else { throw BenchError("usage: hubsync-bench postgres URI BODY ROWS BATCH") }
        let connection = try PostgreSQLConnection(uri: arguments[0])
        try PostgreSQLSchema.migrate(connection)
        try connection.execute("SET search_path TO hubsync")
        let body = try readFile(arguments[1])
        let runID = String(Timestamp.now().microsecondsSinceEpoch)
        let insert = """
            INSERT INTO deliveries (delivery_id, hook_id, event, installation_id, repository, sender, content_type,
                                    target_type, target_id, received_at, body)
            VALUES ($1, 1, 'push', 42, 'octo/hello', 'octocat', 'application/json', 'integration', 1, $2, $3) RETURNING id
            """
        let start = Timestamp.now()
        var written = 0, commits = 0
        while written < rows {
            let count = min(batch, rows - written)
            var statements: [(sql: String, parameters: [PostgreSQLValue])] = [("BEGIN", [])]
            for number in written..<(written + count) {
                statements.append((insert, [.text("\(runID)-\(number)"), .text(Timestamp.now().iso8601),
                                            .bytes(Array("{\"n\":\(number),".utf8) + body.dropFirst())]))
            }
            statements.append(("COMMIT", []))
            try connection.pipeline(statements)
            written += count
            commits += 1
        }
        let seconds = start.millisecondsUntil(.now()) / 1000
        print("BENCH postgres rows=\(rows) batch=\(batch) seconds=\(seconds) rows_per_s=\(Int(Double(rows) / seconds)) commits_per_s=\(Int(Double(commits) / seconds))")
    }
}
