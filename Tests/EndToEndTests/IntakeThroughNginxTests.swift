import Foundation
import Testing
import TestSupport

/// The intake contract through a real nginx and real FastCGI workers.
@Suite(.serialized) struct IntakeThroughNginxTests {
    @Test func signedDeliveriesAreStoredExactlyOnBothURLsAndHandledAfterTheAnswer() throws {
        let stack = try TestStack(name: "intake")
        let example = try Paths.payload("push/payload.json")
        for (index, path) in ["/github/webhook", "/odoo/github/webhook"].enumerated() {
            // GitHub's example, then the same with one space more: the same body under a new delivery
            // id would be a replay (stored, not handled).
            let push = example + Array(repeating: 0x20, count: index)
            let id = newDeliveryID()
            let result = try stack.deliver(event: "push", body: push, id: id, path: path)
            #expect(result.status == 200)
            #expect(result.headers["content-type"] == "application/json")
            #expect(result.json?["status"] as? String == "success")
            #expect(result.json?["message"] as? String == "Webhook processed")
            #expect(result.json?["delivery"] as? String == id)
            // The exact raw bytes, compared with SQLite's own shell.
            #expect(try stack.sql("SELECT hex(body) FROM events WHERE delivery_id = '\(id)'") == hex(push))
            #expect(try stack.sql("SELECT event, hook_id, repository, sender, content_type, target_type FROM events WHERE delivery_id = '\(id)'")
                    == "push|4242|Codertocat/Hello-World|Codertocat|application/json|integration")
            #expect(try eventually { try stack.sql("SELECT status FROM events WHERE delivery_id = '\(id)'") == "processed" })
            #expect(try stack.sql("SELECT json_extract(summary, '$.ref') FROM events WHERE delivery_id = '\(id)'") == "refs/tags/simple-tag")
        }
        if !stack.usesPostgreSQL {
            // The database is private to the service.
            let attributes = try FileManager.default.attributesOfItem(atPath: stack.databasePath)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            #expect(try stack.sql("PRAGMA journal_mode") == "wal")
        }
    }

    @Test func aSignatureMadeByOpenSSLIsAccepted() throws {
        let stack = try TestStack(name: "openssl")
        let body = try Paths.payload("issues/opened.payload.json")
        let digest = try run("/usr/bin/openssl", ["dgst", "-sha256", "-hmac", stack.secret, "-r"], input: body)
        let header = "sha256=" + digest.stdout.split(separator: " ")[0]
        let id = newDeliveryID()
        let result = try RawHTTP.send(port: stack.port, path: "/github/webhook", headers: [
            ("Content-Type", "application/json"), ("X-GitHub-Event", "issues"), ("X-GitHub-Delivery", id),
            ("X-Hub-Signature-256", header),
        ], body: body)
        #expect(result.status == 200)
        #expect(try eventually { try stack.sql("SELECT status, hook_id FROM events WHERE delivery_id = '\(id)'") == "processed|0" })
    }

    @Test func formDeliveriesAreVerifiedOverTheRawForm() throws {
        let stack = try TestStack(name: "form")
        let json = try Paths.payload("pull_request/opened.payload.json")
        let encoded = Data(json).base64EncodedString()  // only to make the payload text; form-encode it below
        _ = encoded
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        let form = Array(("payload=" + String(decoding: json, as: UTF8.self).addingPercentEncoding(withAllowedCharacters: allowed)!).utf8)
        let id = newDeliveryID()
        let result = try stack.deliver(event: "pull_request", body: form, id: id, contentType: "application/x-www-form-urlencoded")
        #expect(result.status == 200)
        #expect(try stack.sql("SELECT hex(body), content_type FROM events WHERE delivery_id = '\(id)'")
                == hex(form) + "|application/x-www-form-urlencoded")
        #expect(try eventually { try stack.sql("SELECT json_extract(summary, '$.number') FROM events WHERE delivery_id = '\(id)'") == "2" })
    }

    @Test func pingAnswersPong() throws {
        let stack = try TestStack(name: "ping")
        let result = try stack.deliver(event: "ping", body: try Paths.payload("ping/with-app_id.payload.json"))
        #expect(result.status == 200)
        #expect(result.json?["message"] as? String == "pong")
    }

    @Test func everyRejectionHasItsStatusAShortJSONMessageAndStoresNothing() throws {
        let stack = try TestStack(name: "reject", environment: ["HUBSYNC_MAX_BODY": "4096"])
        let body = Array(#"{"zen":"x"}"#.utf8)
        func headers(_ drop: String? = nil, replacing: [String: String] = [:]) -> [(String, String)] {
            deliveryHeaders(event: "ping", body: body, id: newDeliveryID(), secret: stack.secret)
                .filter { $0.0 != drop }
                .map { (name, value) in (name, replacing[name] ?? value) }
        }
        let cases: [(String, HTTPResult, Int, String)] = [
            ("wrong secret", try RawHTTP.send(port: stack.port, path: "/github/webhook",
                headers: deliveryHeaders(event: "ping", body: body, id: newDeliveryID(), secret: "wrong"), body: body),
             401, "Invalid webhook signature"),
            ("no signature", try RawHTTP.send(port: stack.port, path: "/github/webhook", headers: headers("X-Hub-Signature-256"), body: body),
             401, "Invalid webhook signature"),
            ("upper-case hex", try RawHTTP.send(port: stack.port, path: "/github/webhook",
                headers: headers(replacing: ["X-Hub-Signature-256": signature(body, secret: stack.secret).uppercased()]), body: body),
             401, "Invalid webhook signature"),
            ("no event", try RawHTTP.send(port: stack.port, path: "/github/webhook", headers: headers("X-GitHub-Event"), body: body),
             400, "Missing X-GitHub-Event header"),
            ("no delivery", try RawHTTP.send(port: stack.port, path: "/github/webhook", headers: headers("X-GitHub-Delivery"), body: body),
             400, "Missing X-GitHub-Delivery header"),
            ("not an object", try stack.deliver(event: "ping", body: Array("[1]".utf8)), 400, "Invalid payload: body is not a JSON object"),
            ("GET", try RawHTTP.send(port: stack.port, method: "GET", path: "/github/webhook"),
             405, "Method not allowed: webhooks are delivered with POST"),
            ("text/plain", try stack.deliver(event: "ping", body: body, contentType: "text/plain"), 415,
             "Unsupported Content-Type: expected application/json or application/x-www-form-urlencoded"),
            ("over HUBSYNC_MAX_BODY", try stack.deliver(event: "ping", body: Array(("{\"zen\":\"" + String(repeating: "z", count: 5000) + "\"}").utf8)),
             413, "Request body is larger than 4096 bytes"),
        ]
        for (name, result, status, message) in cases {
            #expect(result.status == status, "\(name)")
            #expect(result.json?["status"] as? String == "error", "\(name)")
            #expect(result.json?["message"] as? String == message, "\(name): \(result.text)")
        }
        #expect(cases.first { $0.0 == "GET" }?.1.headers["allow"] == "POST")
        #expect(try stack.sql("SELECT count(*) FROM events") == "0")
        // A body at the limit is accepted.
        let atLimit = Array(("{\"zen\":\"" + String(repeating: "z", count: 4096 - 10) + "\"}").utf8)
        #expect(atLimit.count == 4096)
        #expect(try stack.deliver(event: "ping", body: atLimit).status == 200)
    }

    @Test func noWebhookSecretMeans503AndNothingAccepted() throws {
        let stack = try TestStack(name: "nosecret", secret: nil)
        let body = Array(#"{"zen":"x"}"#.utf8)
        let result = try RawHTTP.send(port: stack.port, path: "/github/webhook",
                                      headers: deliveryHeaders(event: "ping", body: body, id: newDeliveryID(), secret: ""), body: body)
        #expect(result.status == 503)
        #expect(result.json?["message"] as? String == "Webhook secret not configured")
    }

    @Test func oneLogLinePerRequestWithoutSecretOrPayload() throws {
        let stack = try TestStack(name: "log")
        let id = newDeliveryID()
        _ = try stack.deliver(event: "push", body: try Paths.payload("push/payload.json"), id: id)
        #expect(eventually { stack.log.contains(id) })
        let lines = stack.log.split(separator: "\n").filter { $0.contains(id) }
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(fields["delivery"] as? String == id)
        #expect(fields["event"] as? String == "push")
        #expect(fields["status"] as? Int == 200)
        #expect(fields["ms"] is Double || fields["ms"] is Int)
        #expect(!stack.log.contains(stack.secret))
        #expect(!stack.log.contains("Codertocat"))
    }
}
