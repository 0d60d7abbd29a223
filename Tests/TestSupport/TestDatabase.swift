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
        guard usesPostgreSQL else { return directory.path + "/" + name }
        return shared.lock.withLock {
            let key = directory.path + "/" + name
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
