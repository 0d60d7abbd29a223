import Foundation
import Testing
import TestSupport
@testable import PostgreSQL

/// libpq through our wrapper, against a real PostgreSQL server the test starts (issue 18's first
/// step): values go and come back byte for byte, errors carry their SQLSTATE and never the URI,
/// and a server that goes away is a "connection lost" a new connection recovers from.
@Suite(.serialized) struct PostgreSQLConnectionTests {
    let server: PostgreSQLServer

    init() throws { server = try PostgreSQLServer() }

    @Test func everyKindOfValueGoesAndComesBackExactly() throws {
        let connection = try PostgreSQLConnection(uri: server.uri())
        #expect(connection.serverVersion >= 150_000)
        try connection.execute("CREATE TABLE samples (id bigserial PRIMARY KEY, n bigint, small integer, t text, b bytea, flag boolean)")
        let body = (0..<256).map { UInt8($0) } + Array("{\"zen\":\"'; DROP TABLE samples; --\"}".utf8)
        let text = "quote ' backslash \\ emoji 🚀 newline \n end"
        for (n, small) in [(Int64.min, Int64(-1)), (Int64.max, Int64(2_147_483_647)), (0, -2_147_483_648)] {
            try connection.execute("INSERT INTO samples (n, small, t, b, flag) VALUES ($1, $2, $3, $4, true)",
                                   [.integer(n), .integer(small), .text(text), .bytes(body)])
        }
        try connection.execute("INSERT INTO samples (n, t, b) VALUES ($1, $2, $3)", [.null, .null, .null])
        let rows = try connection.execute("SELECT id, n, small, t, b, flag FROM samples ORDER BY id")
        #expect(rows.count == 4 && rows.columnNames == ["id", "n", "small", "t", "b", "flag"])
        #expect((0..<3).map { rows.int64($0, 1) } == [Int64.min, Int64.max, 0])
        #expect((0..<3).map { rows.int64($0, 2) } == [-1, 2_147_483_647, -2_147_483_648])
        #expect(rows.text(0, 3) == text && rows.bytes(1, 4) == body && rows.int64(2, 5) == 1)
        #expect(rows.isNull(3, 1) && rows.text(3, 3) == nil && rows.bytes(3, 4) == nil && rows.int64(3, 1) == nil)
        #expect(try connection.execute("UPDATE samples SET flag = false WHERE n IS NOT NULL").affectedRows == 3)
    }

    @Test func errorsCarryTheirSQLStateAndATransactionRollsBackWhole() throws {
        let connection = try PostgreSQLConnection(uri: server.uri())
        try connection.execute("CREATE TABLE deliveries (delivery_id text PRIMARY KEY)")
        try connection.execute("INSERT INTO deliveries VALUES ($1)", [.text("d-1")])
        #expect {
            try connection.execute("INSERT INTO deliveries VALUES ($1)", [.text("d-1")])
        } throws: { ($0 as? PostgreSQLError)?.isUniqueViolation == true && ($0 as? PostgreSQLError)?.connectionLost == false }
        #expect { try connection.execute("SELEKT 1") } throws: { ($0 as? PostgreSQLError)?.sqlState == "42601" }
        #expect(throws: PostgreSQLError.self) {
            try connection.inTransaction {
                try connection.execute("INSERT INTO deliveries VALUES ($1)", [.text("d-2")])
                try connection.execute("INSERT INTO deliveries VALUES ($1)", [.text("d-1")])
            }
        }
        #expect(try connection.execute("SELECT count(*) FROM deliveries").int64(0, 0) == 1)
    }

    /// The server stopped: the next statement says the connection is lost; once it is back, a new
    /// connection works. A refused connection's error names neither the URI nor its password.
    @Test func aServerThatGoesAwayIsAConnectionLostAndANewConnectionRecovers() throws {
        let connection = try PostgreSQLConnection(uri: server.uri())
        try connection.execute("CREATE TABLE t (n bigint)")
        server.stop()
        #expect { try connection.execute("INSERT INTO t VALUES (1)") } throws: { ($0 as? PostgreSQLError)?.connectionLost == true }
        #expect(!connection.isConnected)
        let secret = "pw-\(UUID().uuidString)"
        #expect {
            _ = try PostgreSQLConnection(uri: "postgresql://hubsync:\(secret)@127.0.0.1:\(server.port)/postgres")
        } throws: { error in
            let description = "\(error)"
            return (error as? PostgreSQLError)?.connectionLost == true && !description.contains(secret) && description.contains("127.0.0.1")
        }
        try server.start()
        let again = try PostgreSQLConnection(uri: server.uri())
        try again.execute("INSERT INTO t VALUES (1)")
        #expect(try again.execute("SELECT n FROM t").int64(0, 0) == 1)
        #expect(throws: PostgreSQLError.self) { try PostgreSQLConnection(uri: "mysql://127.0.0.1/x") }
    }
}
