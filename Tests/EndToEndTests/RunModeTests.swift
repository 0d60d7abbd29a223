import Foundation
import Testing

/// The four ways webhook-fcgi runs, and its refusal of bad configuration.
@Suite(.serialized) struct RunModeTests {
    @Test func plainCGIAnswersOneRequestFromTheEnvironmentAndStdin() throws {
        let directory = try Paths.newRunDirectory("cgi")
        let body = Array(#"{"zen":"cgi"}"#.utf8)
        let secret = "cgi-secret-0123456789"
        let result = try run(Paths.program("webhook-fcgi"), [], environment: [
            "GITHUB_WEBHOOK_SECRET": secret, "HUBSYNC_DB": directory + "/h.db", "HUBSYNC_CONFIG": "/dev/null",
            "REQUEST_METHOD": "POST", "DOCUMENT_URI": "/github/webhook", "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": String(body.count), "HTTP_X_GITHUB_EVENT": "ping", "HTTP_X_GITHUB_DELIVERY": "cgi-1",
            "HTTP_X_HUB_SIGNATURE_256": signature(body, secret: secret),
        ], input: body)
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("Status: 200 OK\r\n"))
        #expect(result.stdout.hasSuffix(#"{"delivery":"cgi-1","message":"pong","status":"success"}"# + "\n"))
        #expect(try sqlite(directory + "/h.db", "SELECT delivery_id, status FROM events") == "cgi-1|processed")
    }

    @Test func aSingleProcessOnATCPSocket() throws {
        let stack = try TestStack(name: "tcp", listener: .tcp)
        let id = newDeliveryID()
        #expect(try stack.deliver(event: "ping", body: Array(#"{"zen":"tcp"}"#.utf8), id: id).status == 200)
        #expect(try stack.sql("SELECT count(*) FROM events WHERE delivery_id = '\(id)'") == "1")
        // Serving alone, the process runs the event runner on a thread of its own.
        #expect(try eventually { try stack.sql("SELECT status FROM events WHERE delivery_id = '\(id)'") == "processed" })
        #expect(stack.stopProgram() == 0)
    }

    @Test func aSocketInheritedOnFD0AsFromSpawnFCGI() throws {
        let stack = try TestStack(name: "inherited", listener: .inherited)
        let id = newDeliveryID()
        #expect(try stack.deliver(event: "ping", body: Array(#"{"zen":"fd0"}"#.utf8), id: id).status == 200)
        #expect(try stack.sql("SELECT count(*) FROM events WHERE delivery_id = '\(id)'") == "1")
        #expect(try eventually { try stack.sql("SELECT status FROM events WHERE delivery_id = '\(id)'") == "processed" })
        #expect(stack.stopProgram() == 0)
    }

    @Test func theSupervisorsSocketIsReachableByGroupOnly() throws {
        let stack = try TestStack(name: "mode")
        let attributes = try FileManager.default.attributesOfItem(atPath: stack.socketPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o660)
    }

    @Test(arguments: [("HUBSYNC_SYNC", "sometimes"), ("HUBSYNC_MAX_BODY", "big"), ("HUBSYNC_LOG_LEVEL", "chatty")])
    func aBadValueIsRefusedAtStartNamingTheVariable(variable: String, value: String) throws {
        let result = try run(Paths.program("webhook-fcgi"), ["--socket", "/tmp/unused-\(getpid()).sock"],
                             environment: ["HUBSYNC_CONFIG": "/dev/null", variable: value])
        #expect(result.status == 78)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("webhook-fcgi: \(variable): ") == true)
    }

    /// A weak webhook secret stops webhook-fcgi at start (exit 78) with the variable and the way out.
    @Test func aWeakWebhookSecretIsRefusedAtStart() throws {
        let result = try run(Paths.program("webhook-fcgi"), ["--socket", "/tmp/unused-\(getpid()).sock"],
                             environment: ["HUBSYNC_CONFIG": "/dev/null", "GITHUB_WEBHOOK_SECRET": "Str0ngSecretValue0123456789abcdef",
                                           "GITHUB_WEBHOOK_SECRET_PREVIOUS": "x"])
        #expect(result.status == 78)
        #expect(result.stderr.hasPrefix("webhook-fcgi: GITHUB_WEBHOOK_SECRET_PREVIOUS: a secret of at least 16 bytes (it has 1)"))
        #expect(result.stderr.contains("hubsync secret rotate"))
    }

    @Test func versionAndUsage() throws {
        let version = try run(Paths.program("webhook-fcgi"), ["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("webhook-fcgi "))
        let bad = try run(Paths.program("webhook-fcgi"), ["--frobnicate"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("unknown option --frobnicate"))
    }
}
