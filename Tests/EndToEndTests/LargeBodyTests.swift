import Foundation
import Testing

/// GitHub's cap is 25 MB (docs/github-protocol.md, section 3); the default HUBSYNC_MAX_BODY is 25 MiB.
@Suite(.serialized) struct LargeBodyTests {
    /// A valid JSON object of exactly `size` bytes.
    func payload(size: Int) -> [UInt8] {
        let prefix = Array(#"{"zen":""#.utf8), suffix = Array(#""}"#.utf8)
        return prefix + [UInt8](repeating: UInt8(ascii: "z"), count: size - prefix.count - suffix.count) + suffix
    }

    @Test func aBodyOfExactlyTheLimitIsStoredByteForByteAndOneMoreByteIs413() throws {
        let stack = try TestStack(name: "large", environment: ["HUBSYNC_LOG_LEVEL": "warn"])
        let limit = 25 * 1024 * 1024
        let atLimit = payload(size: limit)
        let id = newDeliveryID()
        let stored = try stack.deliver(event: "ping", body: atLimit, id: id)
        #expect(stored.status == 200)
        #expect(try stack.sql("SELECT length(body), hex(substr(body, 1, 8)), hex(substr(body, length(body) - 7)) FROM events WHERE delivery_id = '\(id)'")
                == "\(limit)|\(hex(Array(atLimit.prefix(8))))|\(hex(Array(atLimit.suffix(8))))")
        // The whole body: a digest of the stored blob (the sqlite3 shell's sha3(), PostgreSQL's sha256())
        // against openssl's digest of what was sent.
        let (digest, function) = stack.usesPostgreSQL ? ("-sha256", "sha256(body)") : ("-sha3-256", "sha3(body, 256)")
        let sent = try run("/usr/bin/openssl", ["dgst", digest, "-r"], input: atLimit).stdout.prefix(64).uppercased()
        #expect(try stack.sql("SELECT hex(\(function)) FROM events WHERE delivery_id = '\(id)'") == sent)

        let over = try stack.deliver(event: "ping", body: payload(size: limit + 1))
        #expect(over.status == 413)
        #expect(over.json?["message"] as? String == "Request body is larger than 26214400 bytes")
        #expect(try stack.sql("SELECT count(*) FROM events") == "1")
    }

    @Test func nginxRefusesFarLargerBodiesInTheSameJSONShape() throws {
        let stack = try TestStack(name: "huge", environment: ["HUBSYNC_LOG_LEVEL": "warn"])
        let result = try stack.deliver(event: "ping", body: payload(size: 27 * 1024 * 1024))
        #expect(result.status == 413)
        #expect(result.json?["status"] as? String == "error")
        #expect(try stack.sql("SELECT count(*) FROM events") == "0")
    }
}
