import Testing
@testable import Common

/// HUBSYNC_DB: a postgresql:// URI selects PostgreSQL (issue 18), anything else is a SQLite path;
/// a password in the URI is refused by name, never echoed.
@Suite struct DatabaseLocationTests {
    @Test func aURISelectsPostgreSQLAndAnythingElseIsASQLitePath() throws {
        #expect(try DatabaseLocation.parse("/var/lib/pulser-hub-sync/hubsync.db") == .sqlite(path: "/var/lib/pulser-hub-sync/hubsync.db"))
        #expect(try DatabaseLocation.parse("var/hubsync.db") == .sqlite(path: "var/hubsync.db"))
        let uri = "postgresql://hubsync@db1.example.com:5432,db2.example.com:5432/odoo?sslmode=verify-full&target_session_attrs=read-write"
        #expect(try DatabaseLocation.parse(uri) == .postgreSQL(uri: uri, schema: "hubsync"))
        #expect(try DatabaseLocation.parse("POSTGRES://hubsync@127.0.0.1/x", schema: "pulser_hub") == .postgreSQL(uri: "POSTGRES://hubsync@127.0.0.1/x", schema: "pulser_hub"))
        #expect(try DatabaseLocation.parse("postgresql:///hubsync") == .postgreSQL(uri: "postgresql:///hubsync", schema: "hubsync"))  // the local socket
    }

    @Test func aPasswordABadSchemaOrAControlCharacterIsRefusedWithoutEchoingIt() {
        for text in ["postgresql://hubsync:s3cret-pw@db/hubsync", "postgres://u:s3cret-pw@h1,h2/db", "postgresql://h/db?sslmode=require&password=s3cret-pw"] {
            #expect {
                try DatabaseLocation.parse(text)
            } throws: { error in
                "\(error)".contains("password") && "\(error)".contains("PGPASSFILE") && !"\(error)".contains("s3cret-pw")
            }
        }
        for schema in ["Hubsync", "1st", "hub-sync", "x; DROP SCHEMA public", "", String(repeating: "a", count: 64)] {
            #expect(throws: ConfigurationError.self, "\(schema)") { try DatabaseLocation.parse("postgresql://h/db", schema: schema) }
        }
        #expect(throws: ConfigurationError.self) { try DatabaseLocation.parse("postgresql://h/db name") }
        #expect(throws: ConfigurationError.self) { try DatabaseLocation.parse("postgresql://h/db\u{7}") }
        #expect(throws: ConfigurationError.self) { try DatabaseLocation.parse("") }
        // The user part may hold an @ (percent-encoded by the admin), the password test looks before the last one.
        #expect((try? DatabaseLocation.parse("postgresql://svc%40corp@h/db")) == .postgreSQL(uri: "postgresql://svc%40corp@h/db", schema: "hubsync"))
    }

    /// The configuration reads HUBSYNC_DB and HUBSYNC_DB_SCHEMA into a location, and refuses a
    /// bad one when it is read, naming the variable.
    @Test func theConfigurationNamesTheLocation() throws {
        let configuration = try Configuration(variables: ["HUBSYNC_DB": "postgresql://hubsync@127.0.0.1/hubsync", "HUBSYNC_DB_SCHEMA": "mirror"])
        #expect(configuration.databaseLocation == .postgreSQL(uri: "postgresql://hubsync@127.0.0.1/hubsync", schema: "mirror"))
        #expect {
            try Configuration(variables: ["HUBSYNC_DB": "postgres://u:pw@h/db"])
        } throws: { "\($0)".contains("HUBSYNC_DB") && !"\($0)".contains("pw") }
        #expect(throws: ConfigurationError.self) { try Configuration(variables: ["HUBSYNC_DB": "postgres://h/db", "HUBSYNC_DB_SCHEMA": "Bad-Name"]) }
        #expect((try? Configuration(variables: ["HUBSYNC_DB": "/tmp/x.db"]))?.databaseLocation == .sqlite(path: "/tmp/x.db"))
    }
}
