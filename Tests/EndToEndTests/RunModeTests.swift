import Foundation
import Testing
import TestSupport

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

    /// The .deb's units: systemd binds the socket (root:www-data 0660) and passes it on fd 3.
    @Test func aSocketFromSystemdServedBySupervisedWorkers() throws {
        let stack = try TestStack(name: "systemd", listener: .systemd(workers: 2))
        let id = newDeliveryID()
        #expect(try stack.deliver(event: "ping", body: Array(#"{"zen":"socket unit"}"#.utf8), id: id).status == 200)
        #expect(try eventually { try stack.sql("SELECT status FROM events WHERE delivery_id = '\(id)'") == "processed" })
        #expect(stack.requestWorkerPIDs().count == 2 && stack.backgroundPID() != nil)
        // The variables are gone from the workers' environment: nothing they start mistakes the socket for its own.
        let environment = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(stack.requestWorkerPIDs()[0])/environ"))
        #expect(!environment.split(separator: 0).contains { $0.starts(with: Array("LISTEN_".utf8)) })
        #expect(stack.stopProgram() == 0)
        // The socket is systemd's: the program leaves it in place.
        #expect(FileManager.default.fileExists(atPath: stack.socketPath))
    }

    /// While the program restarts (an upgrade, a crash), systemd keeps the socket: nginx's
    /// connections wait in its backlog and are answered by the new program, not with a 502.
    @Test func aRestartUnderASocketUnitLosesNoRequest() throws {
        let stack = try TestStack(name: "systemd-restart", listener: .systemd(workers: 1))
        #expect(try stack.deliver(event: "ping", body: Array(#"{"zen":"before"}"#.utf8)).status == 200)
        #expect(stack.stopProgram() == 0)
        let ids = (0..<8).map { _ in newDeliveryID() }
        let statuses = StatusList(count: ids.count)
        let (port, secret) = (stack.port, stack.secret)
        for (index, id) in ids.enumerated() {
            Thread {
                let body = Array(#"{"zen":"\#(id)"}"#.utf8)
                let headers = deliveryHeaders(event: "ping", body: body, id: id, secret: secret, contentType: "application/json")
                statuses.set(index, (try? RawHTTP.send(port: port, path: "/github/webhook", headers: headers, body: body).status) ?? -1)
            }.start()
        }
        Thread.sleep(forTimeInterval: 1)  // the deliveries wait: nobody accepts
        #expect(statuses.values.allSatisfy { $0 == nil })
        try stack.startProgramAgain()
        #expect(eventually(30) { statuses.values.allSatisfy { $0 != nil } })
        #expect(statuses.values.map { $0 ?? 0 } == Array(repeating: 200, count: ids.count))
        #expect(try stack.sql("SELECT count(*) FROM events WHERE delivery_id IN (\(ids.map { "'\($0)'" }.joined(separator: ",")))") == "\(ids.count)")
    }

    /// webhook-fcgi needs the secrets key only: it never opens (here: never creates) the token key,
    /// whatever events it handles, so the .deb can keep that key out of its user's reach.
    @Test func webhookFcgiNeverOpensTheTokenKey() throws {
        let directory = try Paths.newRunDirectory("token-key")
        let stack = try TestStack(name: "token-key", environment: [
            "HUBSYNC_KEY_FILE": directory + "/hubsync.key", "HUBSYNC_TOKEN_KEY_FILE": directory + "/tokens.key"])
        let events = [("installation", "installation/created.payload.json"), ("installation_repositories", "installation_repositories/added.payload.json"),
                      ("push", "push/payload.json"), ("ping", "ping/payload.json")]
        for (event, file) in events {
            #expect(try stack.deliver(event: event, body: Paths.payload(file)).status == 200)
        }
        #expect(try eventually { try stack.sql("SELECT count(*) FROM events WHERE status = 'processed'") == "\(events.count)" })
        #expect(!FileManager.default.fileExists(atPath: directory + "/tokens.key"))
    }

    @Test func aSocketUnitWithTwoSocketsOrASecondSocketIsRefused() throws {
        let wrapper = socketActivationWrapper
        let directory = try Paths.newRunDirectory("systemd-bad")
        let fd = try bindUnixSocket(directory + "/s.sock")
        defer { close(fd) }
        let environment = ["HUBSYNC_CONFIG": "/dev/null", "HUBSYNC_DB": directory + "/h.db", "GITHUB_WEBHOOK_SECRET": "a-secret-of-enough-bytes-0123"]
        let two = try runWithStandardInput(fd, "/bin/sh", ["-c", wrapper, Paths.program("webhook-fcgi"), "2", "--workers", "1"], environment: environment)
        #expect(two.status == 78)
        #expect(two.stderr.contains("LISTEN_FDS=2; the unit must have exactly one ListenStream="))
        let both = try runWithStandardInput(fd, "/bin/sh", ["-c", wrapper, Paths.program("webhook-fcgi"), "1", "--socket", directory + "/other.sock"],
                                            environment: environment)
        #expect(both.status == 64)
        #expect(both.stderr.contains("drop --socket"))
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

    /// A mistake in an action file stops webhook-fcgi at start, naming the file and line; so does an
    /// action with no key to seal it with.
    @Test func aBadActionFileIsRefusedAtStart() throws {
        let directory = try Paths.newRunDirectory("bad-action")
        try FileManager.default.createDirectory(atPath: directory + "/actions.d", withIntermediateDirectories: true)
        try "EVENTS=issues\nCOMMAND=/usr/bin/gh issue edit | tee\n".write(toFile: directory + "/actions.d/label.action", atomically: true, encoding: .utf8)
        let environment = ["HUBSYNC_CONFIG": "/dev/null", "GITHUB_WEBHOOK_SECRET": "Str0ngSecretValue0123456789abcdef",
                           "HUBSYNC_ACTIONS_DIR": directory + "/actions.d", "HUBSYNC_DB": directory + "/h.db",
                           "HUBSYNC_KEY_FILE": directory + "/hubsync.key"]
        let bad = try run(Paths.program("webhook-fcgi"), ["--socket", directory + "/w.sock"], environment: environment)
        #expect(bad.status == 78)
        #expect(bad.stderr.contains(directory + "/actions.d/label.action:2: COMMAND: \"|\" needs a shell"), "\(bad.stderr)")
        try "EVENTS=issues\nCOMMAND=/usr/bin/true\n".write(toFile: directory + "/actions.d/label.action", atomically: true, encoding: .utf8)
        let keyless = try run(Paths.program("webhook-fcgi"), ["--socket", directory + "/w.sock"], environment: environment)
        #expect(keyless.status == 78)
        #expect(keyless.stderr.contains("HUBSYNC_KEY_FILE: a key this program can read"), "\(keyless.stderr)")
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

/// Runs a command with `fd` as its standard input; returns its status and standard error.
private func runWithStandardInput(_ fd: Int32, _ executable: String, _ arguments: [String],
                                  environment: [String: String]) throws -> (status: Int32, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    process.standardInput = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
    process.standardOutput = FileHandle.nullDevice
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
}

/// HTTP statuses written by sender threads.
private final class StatusList: @unchecked Sendable {
    private let lock = NSLock()
    private var statuses: [Int?]
    init(count: Int) { statuses = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ status: Int) { lock.withLock { statuses[index] = status } }
    var values: [Int?] { lock.withLock { statuses } }
}
