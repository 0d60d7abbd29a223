import Common
import Foundation
import Synchronization
import Testing
import TestSupport
@testable import PostgreSQL

/// The PostgreSQL schema against SQLite's (issue 18: "the same schema, migrations and `events`
/// view on both backends, same table and column names"), on a real server.
@Suite(.serialized) struct PostgreSQLSchemaTests {
    let server: PostgreSQLServer

    init() throws { server = try PostgreSQLServer() }

    /// Tables and views with their columns in order, and index names: SQLite's, as its migrations
    /// leave a new database.
    func sqliteSchema() throws -> (columns: [String: [String]], indexes: Set<String>) {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path + "/h.db", syncMode: .normal, busyTimeoutMilliseconds: 5000)
        let objects = try store.connection.prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
        var columns: [String: [String]] = [:], indexes = Set<String>()
        var tables: [String] = []
        while try objects.step() {
            let (type, name) = (objects.text(0) ?? "", objects.text(1) ?? "")
            if type == "index" { indexes.insert(name) } else if type == "table" || type == "view" { tables.append(name) }
        }
        for table in tables {
            let info = try store.connection.prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid")
            try info.bind([.text(table)])
            while try info.step() { columns[table, default: []].append(info.text(0) ?? "") }
        }
        return (columns, indexes)
    }

    func postgreSQLSchema(_ connection: PostgreSQLConnection, schema: String = "hubsync") throws -> (columns: [String: [String]], indexes: Set<String>) {
        let rows = try connection.execute("""
            SELECT table_name::text, column_name::text FROM information_schema.columns
            WHERE table_schema = $1 AND table_name <> 'schema_version' ORDER BY table_name, ordinal_position
            """, [.text(schema)])
        var columns: [String: [String]] = [:]
        for row in 0..<rows.count { columns[rows.text(row, 0)!, default: []].append(rows.text(row, 1)!) }
        // Constraints' own indexes (primary keys, UNIQUE) are SQLite's automatic ones, which it does not name.
        let indexRows = try connection.execute("""
            SELECT i.indexname::text FROM pg_indexes AS i
            WHERE i.schemaname = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)
            """, [.text(schema)])
        return (columns, Set((0..<indexRows.count).map { indexRows.text($0, 0)! }))
    }

    @Test func theSameTablesColumnsInOrderViewAndIndexesAsSQLite() throws {
        let connection = try PostgreSQLConnection(uri: server.uri())
        #expect(try PostgreSQLSchema.migrate(connection) == 0)
        let sqlite = try sqliteSchema(), postgres = try postgreSQLSchema(connection)
        #expect(postgres.columns.keys.sorted() == sqlite.columns.keys.sorted())
        for (table, columns) in sqlite.columns { #expect(postgres.columns[table] == columns, "\(table)") }
        #expect(postgres.indexes == sqlite.indexes)
        #expect(sqlite.columns["events"]?.count == 21 && sqlite.indexes.contains("outbox_unfinished"))
        // A schema version names the same tables on both: a SQLite migration needs its PostgreSQL step.
        #expect(PostgreSQLSchema.currentVersion == Migrations.currentVersion)
    }

    /// Every delivery gets its state from the insert itself, a replay is skipped naming the first,
    /// and an admin's UPDATE or DELETE on the `events` view reaches both tables.
    @Test func theTriggersAndTheViewBehaveAsOnSQLite() throws {
        let connection = try PostgreSQLConnection(uri: server.uri())
        try PostgreSQLSchema.migrate(connection)
        try connection.execute("SET search_path TO hubsync")
        let insert = """
            INSERT INTO deliveries (delivery_id, hook_id, event, content_type, received_at, body, signature)
            VALUES ($1, 7, 'push', 'application/json', '2026-12-02T10:00:00.000000Z', $2, $3) RETURNING id
            """
        let first = try connection.execute(insert, [.text("d-1"), .bytes(Array("{}".utf8)), .bytes([1, 2, 3])]).int64(0, 0)
        let replay = try connection.execute(insert, [.text("d-2"), .bytes(Array("{}".utf8)), .bytes([1, 2, 3])]).int64(0, 0)
        let other = try connection.execute(insert, [.text("d-3"), .bytes(Array("{}".utf8)), .null]).int64(0, 0)
        let states = try connection.execute("SELECT id, status, error FROM events ORDER BY id")
        #expect((0..<3).map { states.int64($0, 0) } == [first, replay, other])
        #expect((0..<3).map { states.text($0, 1) } == ["pending", "skipped", "pending"])
        #expect(states.text(1, 2) == "the same body as delivery d-1: a replay, not handled" && states.isNull(0, 2))
        #expect(try connection.execute("UPDATE events SET status = 'failed', error = 'by hand' WHERE id = $1", [.integer(first!)]).affectedRows == 1)
        #expect(try connection.execute("SELECT status, error FROM event_states WHERE event_id = $1", [.integer(first!)]).text(0, 0) == "failed")
        try connection.execute("DELETE FROM events WHERE id = $1", [.integer(first!)])
        #expect(try connection.execute("SELECT count(*) FROM deliveries").int64(0, 0) == 2)
        #expect(try connection.execute("SELECT count(*) FROM event_states").int64(0, 0) == 2)
        #expect { try connection.execute(insert, [.text("d-3"), .bytes([]), .null]) } throws: { ($0 as? PostgreSQLError)?.isUniqueViolation == true }
    }

    /// Two hosts starting at once: both migrate, one applies the steps, the other finds them done.
    @Test func twoHostsMigratingAtOnceApplyEachStepOnce() throws {
        let uri = server.uri()
        let results = Mutex<[Int]>([])
        let threads = (0..<2).map { _ in
            Thread {
                do {
                    let connection = try PostgreSQLConnection(uri: uri)
                    let before = try PostgreSQLSchema.migrate(connection, schema: "two_hosts")
                    results.withLock { $0.append(before) }
                } catch {
                    results.withLock { $0.append(-1) }
                }
            }
        }
        threads.forEach { $0.start() }
        let deadline = Date().addingTimeInterval(30)
        while results.withLock({ $0.count }) < 2 && Date() < deadline { usleep(20_000) }
        #expect(results.withLock { $0.sorted() } == [0, PostgreSQLSchema.currentVersion])
        let connection = try PostgreSQLConnection(uri: uri)
        #expect(try connection.execute("SELECT version FROM two_hosts.schema_version").int64(0, 0) == Int64(PostgreSQLSchema.currentVersion))
        #expect(try PostgreSQLSchema.migrate(connection, schema: "two_hosts") == PostgreSQLSchema.currentVersion)
        #expect(throws: PostgreSQLError.self) { try PostgreSQLSchema.migrate(connection, schema: "x; DROP SCHEMA hubsync") }
    }
}
