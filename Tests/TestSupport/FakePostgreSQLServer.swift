import Foundation

/// Tests/FakePostgreSQL/session_ends_mid_batch.py on a free loopback port: a server that lets a
/// client in, answers its first batch's statements, then ends the session with FATAL 57P01 where
/// the batch's end belongs. What a real server's shutdown does only when its signal lands there.
public final class FakePostgreSQLServer {
    private let fake: PythonFake
    public var port: UInt16 { fake.port }

    public init() throws {
        fake = try PythonFake(script: "FakePostgreSQL/session_ends_mid_batch.py", name: "the fake PostgreSQL server")
    }

    /// A URI without TLS or GSS encryption, which the fake does not speak.
    public var uri: String { "postgresql://hubsync@127.0.0.1:\(port)/hubsync?sslmode=disable&gssencmode=disable" }
}
