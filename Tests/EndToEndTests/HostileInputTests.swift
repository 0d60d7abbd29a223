import Foundation
import Testing
import TestSupport

/// The hostile-input corpus (HostileInput/corpus.json): each case through a real nginx to the real
/// programs, with its expected status; a refused delivery stores nothing, an accepted one exactly one
/// row; no page echoes markup or lets a header through; and no process crashes on any of them (the
/// same worker processes answer from the first case to the last).
@Suite(.serialized) struct HostileInputTests {
    struct Corpus: Decodable {
        var webhook: [WebhookCase]
        var callback: [CallbackCase]
    }

    /// A text field given literally, or as one string repeated, or as hex bytes.
    enum Bytes: Decodable {
        case text(String), repeated(String, Int), hex(String)
        enum Keys: String, CodingKey { case text, `repeat`, count, hex }
        init(from decoder: Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) { self = .text(text); return }
            let container = try decoder.container(keyedBy: Keys.self)
            if let text = try container.decodeIfPresent(String.self, forKey: .text) { self = .text(text) }
            else if let hex = try container.decodeIfPresent(String.self, forKey: .hex) { self = .hex(hex) }
            else { self = .repeated(try container.decode(String.self, forKey: .repeat), try container.decode(Int.self, forKey: .count)) }
        }
        var bytes: [UInt8] {
            switch self {
            case .text(let text): Array(text.utf8)
            case .repeated(let unit, let count): Array(String(repeating: unit, count: count).utf8)
            case .hex(let hex):
                stride(from: 0, to: hex.count, by: 2).map { offset in
                    let start = hex.index(hex.startIndex, offsetBy: offset)
                    return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
                }
            }
        }
    }

    /// `"(absent)"` leaves the header out; no key means a valid default.
    struct WebhookCase: Decodable {
        var name: String
        var expect: Int
        var method: String?
        var path: String?
        var event: Bytes?
        var delivery: Bytes?
        var signature: String?
        var content_type: String?
        var body: Bytes?
        var content_length_delta: Int?
        var close_early: Bool?
        var raw_headers: String?
        var extra_headers: [[String]]?
    }

    struct CallbackCase: Decodable {
        var name: String
        var expect: Int
        var path: String
        var cookie: String?
    }

    static let corpus: Corpus = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: Paths.repository + "/Tests/EndToEndTests/HostileInput/corpus.json"))
        return try! JSONDecoder().decode(Corpus.self, from: data)
    }()

    /// Sends one case as raw bytes and returns the status (0: the connection closed unanswered).
    func send(_ item: WebhookCase, stack: TestStack) throws -> Int {
        let body = item.body?.bytes ?? Array(#"{"zen":"Design for failure.","hook_id":1}"#.utf8)
        let method = item.method ?? "POST"
        var headers: [(String, String)] = []
        func add(_ name: String, _ value: Bytes?, _ fallback: String) {
            let text = value.map { String(decoding: $0.bytes, as: UTF8.self) } ?? fallback
            if text != "(absent)" { headers.append((name, text)) }
        }
        add("X-GitHub-Event", item.event, "ping")
        add("X-GitHub-Delivery", item.delivery, newDeliveryID())
        headers.append(("X-GitHub-Hook-ID", "1"))
        add("Content-Type", item.content_type.map { .text($0) }, "application/json")
        let valid = signature(body, secret: stack.secret)
        switch item.signature ?? "valid" {
        case "valid": headers.append(("X-Hub-Signature-256", valid))
        case "wrong": headers.append(("X-Hub-Signature-256", signature(body + [0x20], secret: stack.secret)))
        case "truncated": headers.append(("X-Hub-Signature-256", String(valid.dropLast())))
        case "upper": headers.append(("X-Hub-Signature-256", "sha256=" + valid.dropFirst(7).uppercased()))
        case "sha1-only": headers.append(("X-Hub-Signature", "sha1=" + String(repeating: "0", count: 40)))
        case "doubled": headers += [("X-Hub-Signature-256", valid), ("X-Hub-Signature-256", valid)]
        case "doubled-value": headers.append(("X-Hub-Signature-256", valid + valid))
        case "wrong-then-valid": headers += [("X-Hub-Signature-256", signature(body + [0x20], secret: stack.secret)), ("X-Hub-Signature-256", valid)]
        case "empty": headers.append(("X-Hub-Signature-256", ""))
        case "bare": headers.append(("X-Hub-Signature-256", String(valid.dropFirst(7))))
        case "trailing-space": headers.append(("X-Hub-Signature-256", valid + " "))
        default: break
        }
        for pair in item.extra_headers ?? [] {
            headers.removeAll { $0.0 == pair[0] }
            headers.append((pair[0], pair[1]))
        }
        var head = "\(method) \(item.path ?? "/github/webhook") HTTP/1.1\r\nHost: 127.0.0.1:\(stack.port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += item.raw_headers ?? ""
        if method != "GET" && method != "HEAD" && method != "OPTIONS" || !body.isEmpty {
            head += "Content-Length: \(body.count + (item.content_length_delta ?? 0))\r\n"
        }
        head += "\r\n"
        let fd = try RawHTTP.connect(port: stack.port)
        try RawHTTP.write(fd, Array(head.utf8) + body)
        if item.close_early == true { shutdown(fd, Int32(SHUT_WR)) }
        return (try? RawHTTP.readResponse(fd).status) ?? 0
    }

    @Test func everyWebhookCaseGetsItsStatusStoresOnlyWhatItMustAndCrashesNothing() throws {
        let stack = try TestStack(name: "hostile")
        let workers = Set(stack.workerPIDs())
        var passed = 0
        for item in HostileInputTests.corpus.webhook {
            let before = Int(try stack.sql("SELECT count(*) FROM deliveries")) ?? -1
            let status = try send(item, stack: stack)
            let after = Int(try stack.sql("SELECT count(*) FROM deliveries")) ?? -1
            let storedAsExpected = after - before == (item.expect == 200 ? 1 : 0)
            #expect(status == item.expect, "\(item.name): \(status), expected \(item.expect)")
            #expect(storedAsExpected, "\(item.name): \(after - before) rows stored")
            if status == item.expect && storedAsExpected { passed += 1 }
        }
        print("hostile input corpus (webhook): \(passed) of \(HostileInputTests.corpus.webhook.count) cases as expected")
        #expect(Set(stack.workerPIDs()) == workers, "a worker died and was replaced")
        #expect(!stack.log.contains("worker exited"))
        #expect(try stack.integrityCheck() == "ok")
        #expect(try stack.deliver(event: "ping", body: Array(#"{"zen":"still here"}"#.utf8)).status == 200)
    }

    @Test func aBodySentOneByteASecondTiesUpNoWorker() throws {
        let stack = try TestStack(name: "slow", listener: .supervised(workers: 1), environment: ["HUBSYNC_THREADS": "1"])
        let body = Array(#"{"a":1}"#.utf8)
        let fd = try RawHTTP.connect(port: stack.port)
        try RawHTTP.write(fd, try RawHTTP.request(port: stack.port, path: "/github/webhook",
                                                  headers: deliveryHeaders(event: "ping", body: body, id: "slow-1", secret: stack.secret), body: [],
                                                  contentLength: body.count))
        let slow = Thread {
            for byte in body { try? RawHTTP.write(fd, [byte]); sleep(1) }
        }
        slow.start()
        // One worker with one thread: nginx buffers the slow body, so the worker serves others meanwhile.
        let quickStarted = Date()
        #expect(try stack.deliver(event: "ping", body: Array(#"{"zen":"quick"}"#.utf8)).status == 200)
        #expect(Date().timeIntervalSince(quickStarted) < 3)
        #expect(try RawHTTP.readResponse(fd).status == 200)
        #expect(try stack.sql("SELECT count(*) FROM deliveries WHERE delivery_id = 'slow-1'") == "1")
    }

    @Test func theCallbackAndInstallLinkRefuseInjectionAndEchoNothing() throws {
        let fake = try FakeGitHub()
        let stack = try TestStack(name: "hostile-callback", callbackEnvironment: fake.environment)
        var passed = 0
        for item in HostileInputTests.corpus.callback {
            var headers: [(String, String)] = []
            if let cookie = item.cookie { headers.append(("Cookie", cookie)) }
            let result = try RawHTTP.send(port: stack.port, method: "GET", path: item.path, headers: headers)
            let text = result.text.lowercased()
            let clean = !text.contains("<script>alert") && !text.contains("<svg onload") && !text.contains("onerror=")
                && !(result.headers["set-cookie"] ?? "").contains("x=1") && result.headers["x-injected"] == nil
            #expect(result.status == item.expect, "\(item.name): \(result.status), expected \(item.expect)")
            #expect(clean, "\(item.name): the answer echoes markup or a header: \(result.text.prefix(300))")
            if result.status == item.expect && clean { passed += 1 }
        }
        print("hostile input corpus (callback): \(passed) of \(HostileInputTests.corpus.callback.count) cases as expected")
        #expect(stack.callbackProgram?.isRunning == true)
        #expect(!stack.callbackLog.contains("worker exited"))
        #expect(try stack.sql("SELECT count(*) FROM integrations") == "0")
    }
}
