import Testing
@testable import Common
@testable import Webhooks

/// A signed payload with a number no GitHub object holds: a handler error naming the field,
/// never a trap (issue 13: `pull_request.updated_at: 10000000000000` crashed workers in a loop).
@Suite struct OutOfRangePayloadTests {
    static let hostileNumbers: [String] = [
        "10000000000000", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "-9223372036854775809", "99999999999999999999999999", "1e308", "-1e308", "253402300800", "-62135596801",
    ]

    func outcome(_ event: String, _ bodyText: String) throws -> EventOutcome {
        EventProcessor.outcome(of: WebhookEvent(name: event, deliveryID: "d", payload: try JSONDocument(parsing: Array(bodyText.utf8)).root))
    }

    @Test(arguments: hostileNumbers)
    func pullRequestUpdatedAt(number: String) throws {
        let body = #"{"action":"opened","number":1,"repository":{"full_name":"o/r"},"pull_request":{"number":1,"updated_at":"# + number + "}}"
        let result = try outcome("pull_request", body)
        #expect(result == EventOutcome(status: .failed, error: "payload's pull_request.updated_at is out of range"))
    }

    @Test(arguments: hostileNumbers)
    func everyTimeAHandlerReads(number: String) throws {
        let cases: [(String, String, String)] = [
            ("issues", #"{"action":"opened","repository":{"full_name":"o/r"},"issue":{"number":1,"updated_at":"# + number + "}}",
             "issue.updated_at"),
            ("workflow_run", #"{"action":"completed","repository":{"full_name":"o/r"},"workflow_run":{"id":5,"updated_at":"# + number + "}}",
             "workflow_run.updated_at"),
            ("installation", #"{"action":"created","installation":{"id":7,"account":{"login":"a"},"updated_at":"# + number + "}}",
             "installation.updated_at"),
            ("push", #"{"ref":"refs/heads/main","repository":{"id":1,"full_name":"o/r","pushed_at":"# + number + "}}",
             "repository.pushed_at"),
            ("pull_request", #"{"action":"closed","number":1,"repository":{"full_name":"o/r"},"pull_request":{"number":1,"updated_at":"2026-11-26T10:00:00Z","merged_at":"# + number + "}}",
             "pull_request.merged_at"),
        ]
        for (event, body, field) in cases {
            let result = try outcome(event, body)
            #expect(result.status == .failed, "\(event) \(number)")
            #expect(result.error == "payload's \(field) is out of range", "\(event) \(number)")
        }
    }

    @Test func secondsInRangeAreStillTimes() throws {
        let body = #"{"ref":"refs/heads/main","repository":{"id":1,"full_name":"o/r","pushed_at":1764151977}}"#
        let result = try outcome("push", body)
        #expect(result.status == .processed)
        guard case .push(let record)? = result.changes.first else { Issue.record("no push change"); return }
        #expect(record.pushedAt == "2025-11-26T10:12:57.000Z")
    }
}
