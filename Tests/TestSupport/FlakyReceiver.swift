import Foundation

/// Tests/FakeReceiver/flaky_receiver.py on a free loopback port.
public final class FlakyReceiver {
    public struct Try {
        public var delivery: String
        public var number: Int
        public var event: String?
        public var hookID: String?
        public var signatureOK: Bool
        /// Standard Webhooks' `webhook-id` and `webhook-timestamp`, when sent.
        public var webhookID: String?
        public var webhookTimestamp: String?
        public var body: [UInt8]
    }

    public let log: String
    private let fake: PythonFake
    public var port: UInt16 { fake.port }

    public init(secret: String, failFirst: Int, retryAfter: String? = nil, directory: String) throws {
        log = directory + "/receiver-\(UUID().uuidString).jsonl"
        fake = try PythonFake(script: "FakeReceiver/flaky_receiver.py",
                              arguments: ["--secret", secret, "--fail-first", String(failFirst), "--log", log]
                                  + (retryAfter.map { ["--retry-after", $0] } ?? []),
                              name: "the receiver")
    }

    /// Every try so far, in the order they arrived.
    public func tries() throws -> [Try] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let body = Data(base64Encoded: object["body"] as? String ?? "").map { Array($0) } ?? []
            return Try(delivery: object["delivery"] as? String ?? "", number: object["try"] as? Int ?? 0, event: object["event"] as? String,
                       hookID: object["hook_id"] as? String, signatureOK: object["signature_ok"] as? Bool ?? false,
                       webhookID: object["webhook_id"] as? String, webhookTimestamp: object["webhook_timestamp"] as? String, body: body)
        }
    }
}
