import Foundation
import Common
import PostgreSQL

/// Where a test's store lives. By default a SQLite file in the test's directory; with
/// `HUBSYNC_TEST_DB=postgresql` (make test's second pass over the suites that touch the store) a
/// database of its own on a real PostgreSQL server that the test process starts on first use and
/// stops when it exits. The same tests thereby run against both backends.
public enum TestDatabase {
    public static let usesPostgreSQL = ProcessInfo.processInfo.environment["HUBSYNC_TEST_DB"] == "postgresql"

    /// HUBSYNC_DB for a store in `directory`: the file `name` there, or a new PostgreSQL database
    /// (the same one again for the same directory and name).
    public static func location(in directory: TemporaryDirectory, name: String = "hubsync.db") -> String {
        location(sqlitePath: directory.path + "/" + name)
    }

    /// HUBSYNC_DB for a store at `sqlitePath`, or the PostgreSQL database that stands for it.
    public static func location(sqlitePath key: String) -> String {
        usesPostgreSQL ? postgreSQLLocation(key: key) : key
    }

    /// A PostgreSQL database of its own for `key` (the same one again for the same key), whichever
    /// pass this is: for the tests that are about PostgreSQL (several hosts on one database).
    public static func postgreSQLLocation(key: String) -> String {
        shared.lock.withLock {
            if let known = shared.databases[key] { return known }
            let uri = shared.createDatabase()
            shared.databases[key] = uri
            return uri
        }
    }

    /// The server, once started (the PostgreSQL pass only).
    public static var server: PostgreSQLServer { shared.lock.withLock { shared.started() } }

    private static let shared = Shared()

    private final class Shared: @unchecked Sendable {
        let lock = NSLock()
        var databases: [String: String] = [:]
        private var server: PostgreSQLServer?
        private var created = 0

        func started() -> PostgreSQLServer {
            if let server { return server }
            do {
                // Room for every connection the suites leave open: a test's services keep their
                // writer's connection until the test process ends, as they keep a SQLite file open.
                let server = try PostgreSQLServer(maxConnections: 3000)
                self.server = server
                // The server is a child of the test process: stop it (and remove its files) at exit.
                atexit { TestDatabase.stopAtExit() }
                return server
            } catch {
                fatalError("HUBSYNC_TEST_DB=postgresql but no PostgreSQL server could be started: \(error)")
            }
        }

        func createDatabase() -> String {
            let server = started()
            created += 1
            let name = "test_\(created)"
            do {
                try PostgreSQLConnection(uri: server.uri()).execute("CREATE DATABASE \(name)")
                try PostgreSQLConnection(uri: server.uri(database: name)).executeScript(sqliteFunctions)
            } catch {
                fatalError("cannot create the test database \(name): \(error)")
            }
            return server.uri(database: name)
        }

        func stop() {
            server?.stop()
            server = nil
        }
    }

    fileprivate static func stopAtExit() { shared.stop() }
}

extension TestDatabase {
    /// The store at `location(in:name:)`, opened as the programs open it.
    public static func open(in directory: TemporaryDirectory, name: String = "hubsync.db", syncMode: SyncMode = .normal) throws -> Database {
        let location = location(in: directory, name: name)
        guard usesPostgreSQL else { return try Database(path: location, syncMode: syncMode, busyTimeoutMilliseconds: 5000) }
        return try Database(postgreSQL: location, schema: DatabaseLocation.defaultSchema)
    }

    /// An event store at `location(in:name:)`.
    public static func eventStore(in directory: TemporaryDirectory, name: String = "hubsync.db", syncMode: SyncMode = .normal) throws -> EventStore {
        try EventStore(database: open(in: directory, name: name, syncMode: syncMode))
    }
}

/// SQLite's functions that the end-to-end tests' SQL uses, for their PostgreSQL pass: created in
/// the test database's `public` schema (beside the store's own), never in the product's.
private let sqliteFunctions = """
    CREATE FUNCTION public.hex(bytea) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT upper(encode($1, ''hex''))';
    CREATE FUNCTION public.hex(text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT upper(encode(convert_to($1, ''UTF8''), ''hex''))';
    CREATE FUNCTION public.json_extract(text, text) RETURNS text LANGUAGE sql IMMUTABLE
        AS 'SELECT $1::jsonb #>> string_to_array(substr($2, 3), ''.'')';
    CREATE FUNCTION public.group_concat_step(text, text, text) RETURNS text LANGUAGE sql IMMUTABLE
        AS 'SELECT CASE WHEN $1 IS NULL THEN $2 ELSE $1 || $3 || $2 END';
    CREATE AGGREGATE public.group_concat(text, text) (SFUNC = public.group_concat_step, STYPE = text);
    """
