import Common
import Glibc
import Webhooks

/// `hubsync-bench micro PAYLOAD`: the CPU cost of each step of the intake path, alone, so that a
/// profile of the whole path can be read against it.
enum Micro {
    static func run(payloadPath: String) throws {
        let body = try readFile(payloadPath)
        let secret = Array("bench-secret".utf8)
        let header = HubSignature.header(for: body, secret: secret)
        let parameters = cgiParameters(bodyCount: body.count, signature: header)
        var cParameters = parameters.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in cParameters { free(pointer) } }
        let payload = try JSONDocument(parsing: body).root
        let event = WebhookEvent(name: "push", deliveryID: "d", payload: payload)
        let logger = Logger(program: "bench", minimumLevel: .info)

        print("step                                   ns/op")
        measure("HMAC-SHA256 of the body + compare") {
            _ = HubSignature(header: header)!.matchingSecretIndex(body: body, secrets: [secret])
        }
        measure("JSON parse of the body (tape)") { _ = try! JSONDocument(parsing: body) }
        measure("JSON parse to a JSONValue tree") { _ = try! JSONParser.parse(body) }
        measure("intake fields from the tape") {
            let root = try! JSONDocument(parsing: body).root
            _ = (root["action"]?.stringValue, root["installation"]["id"]?.int64Value,
                 root["repository"]["full_name"]?.stringValue, root["sender"]["login"]?.stringValue)
        }
        measure("FastCGI parameters to a dictionary") { _ = cParameters.withUnsafeMutableBufferPointer { keyValueBlock($0.baseAddress!) } }
        measure("parameters to HTTPRequest") { _ = CGIParameters.request(from: parameters, body: body) }
        measure("push summary") { _ = try! eventHandlers["push"]!(event) }
        measure("push summary to JSON text") { _ = try! eventHandlers["push"]!(event).summary.jsonText }
        measure("200 response to CGI bytes") {
            _ = cgiResponseBytes(.json(200, ["status": "success", "message": "Webhook processed", "delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"]))
        }
        measure("request log line (to /dev/null)") {
            logger.info("request", [("method", "POST"), ("path", "/github/webhook"), ("status", 200), ("ms", .double(1.234)),
                                    ("delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"), ("event", "push"), ("outcome", "stored")])
        }
        measure("ISO-8601 timestamp") { _ = Timestamp.now().iso8601 }
    }

    static func measure(_ name: String, iterations: Int = 20_000, _ body: () -> Void) {
        for _ in 0..<200 { body() }  // warm up
        let start = Timestamp.now()
        for _ in 0..<iterations { body() }
        let nanoseconds = Double(Timestamp.now().microsecondsSinceEpoch - start.microsecondsSinceEpoch) * 1000 / Double(iterations)
        print(name.padding(toLength: 38, withPad: " ", startingAt: 0) + " " + String(Int(nanoseconds)))
    }

    /// What nginx passes with `include fastcgi_params` for a GitHub delivery.
    static func cgiParameters(bodyCount: Int, signature: String) -> [String: String] {
        [
            "QUERY_STRING": "", "REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": String(bodyCount), "SCRIPT_NAME": "/github/webhook", "REQUEST_URI": "/github/webhook",
            "DOCUMENT_URI": "/github/webhook", "DOCUMENT_ROOT": "/usr/share/nginx/html", "SERVER_PROTOCOL": "HTTP/1.1",
            "REQUEST_SCHEME": "http", "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_SOFTWARE": "nginx", "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_PORT": "53412", "REMOTE_USER": "", "SERVER_ADDR": "127.0.0.1", "SERVER_PORT": "8080",
            "SERVER_NAME": "localhost", "REDIRECT_STATUS": "200", "HTTP_HOST": "hooks.example.com",
            "HTTP_USER_AGENT": "GitHub-Hookshot/044aadd", "HTTP_ACCEPT": "*/*", "HTTP_X_GITHUB_EVENT": "push",
            "HTTP_X_GITHUB_DELIVERY": "72d3162e-cc78-11e3-81ab-4c9367dc0958", "HTTP_X_GITHUB_HOOK_ID": "292430182",
            "HTTP_X_GITHUB_HOOK_INSTALLATION_TARGET_TYPE": "integration", "HTTP_X_GITHUB_HOOK_INSTALLATION_TARGET_ID": "79929171",
            "HTTP_X_HUB_SIGNATURE": "sha1=0000000000000000000000000000000000000000", "HTTP_X_HUB_SIGNATURE_256": signature,
            "HTTP_CONTENT_TYPE": "application/json", "HTTP_CONTENT_LENGTH": String(bodyCount),
        ]
    }
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw BenchError("cannot read \(path)") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        bytes.append(contentsOf: chunk[0..<count])
        if count < chunk.count { break }
    }
    return bytes
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    func padding(toLength length: Int, withPad pad: String, startingAt _: Int) -> String {
        count >= length ? self : self + String(repeating: pad, count: length - count)
    }
}
