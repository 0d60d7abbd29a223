import Foundation
import TestSupport

/// A real nginx in front of a real webhook-fcgi (supervised workers on a unix socket by default),
/// with its own SQLite file, started and stopped by the test on a free loopback port.
final class TestStack {
    enum Listener {
        /// `--socket PATH --workers N`
        case supervised(workers: Int)
        /// `--socket 127.0.0.1:PORT`, one process
        case tcp
        /// A listening socket the test binds and hands over on fd 0, as spawn-fcgi does.
        case inherited
        /// A listening socket the test binds and hands over as a systemd .socket unit does: fd 3,
        /// `LISTEN_FDS=1`, `LISTEN_PID`; with `--workers N` when `workers` is set. The test keeps
        /// the socket open across restarts of the program, as systemd does.
        case systemd(workers: Int?)
    }

    let directory: String
    let port: UInt16
    let secret: String
    let databasePath: String
    let logPath: String
    private(set) var program: Process?
    private(set) var callbackProgram: Process?
    private var nginx: Process?
    private var nginxEnvironment: [String: String] = [:]
    private var programArguments: [String] = []
    private var programEnvironment: [String: String] = [:]
    private var inheritedSocketFD: Int32 = -1
    private var listener: Listener = .supervised(workers: 2)

    var socketPath: String { directory + "/webhook.sock" }
    var callbackLogPath: String { directory + "/callback-fcgi.log" }

    /// `callbackEnvironment`: also start callback-fcgi (one worker) with these variables.
    init(name: String, listener: Listener = .supervised(workers: 2), secret: String? = "e2e-secret-\(UUID().uuidString)",
         environment: [String: String] = [:], databasePath: String? = nil, callbackEnvironment: [String: String]? = nil) throws {
        directory = try Paths.newRunDirectory(name)
        port = try freePort()
        self.secret = secret ?? ""
        self.databasePath = databasePath ?? TestDatabase.location(sqlitePath: directory + "/hubsync.db")
        logPath = directory + "/webhook-fcgi.log"
        var nginxEnvironment = ProcessInfo.processInfo.environment
        var arguments: [String] = []
        switch listener {
        case .supervised(let workers):
            arguments = ["--socket", socketPath, "--workers", String(workers)]
        case .tcp:
            let fastcgiPort = try freePort()
            arguments = ["--socket", "127.0.0.1:\(fastcgiPort)"]
            nginxEnvironment["WEBHOOK_FASTCGI_PASS"] = "127.0.0.1:\(fastcgiPort)"
        case .inherited:
            inheritedSocketFD = try bindUnixSocket(socketPath)
        case .systemd(let workers):
            inheritedSocketFD = try bindUnixSocket(socketPath)
            arguments = workers.map { ["--workers", String($0)] } ?? []
        }
        var programEnvironment = [
            "HUBSYNC_DB": self.databasePath, "HUBSYNC_CONFIG": "/dev/null", "HUBSYNC_BUSY_TIMEOUT_MS": "500",
            "PATH": "/usr/bin:/bin",
        ]
        if let secret { programEnvironment["GITHUB_WEBHOOK_SECRET"] = secret }
        programEnvironment.merge(environment, uniquingKeysWith: { _, new in new })
        self.listener = listener
        try startProgram(arguments: arguments, environment: programEnvironment)
        try waitUntilListening()
        if let callbackEnvironment {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Paths.program("callback-fcgi"))
            process.arguments = ["--socket", directory + "/callback.sock", "--workers", "1"]
            process.environment = programEnvironment.merging(
                ["HUBSYNC_KEY_FILE": directory + "/hubsync.key", "HUBSYNC_THREADS": "2"], uniquingKeysWith: { _, new in new })
                .merging(callbackEnvironment, uniquingKeysWith: { _, new in new })
            _ = FileManager.default.createFile(atPath: callbackLogPath, contents: nil)
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: callbackLogPath))
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            callbackProgram = process
            guard eventually(5, { FileManager.default.fileExists(atPath: directory + "/callback.sock") }) else {
                throw TestFailure("callback-fcgi did not start: \((try? String(contentsOfFile: callbackLogPath, encoding: .utf8)) ?? "")")
            }
        }
        try startNginx(environment: nginxEnvironment)
        // The event runner creates the schema as it starts (migrating under an advisory lock on
        // PostgreSQL, a few round trips more than SQLite's): tests read the tables at once.
        if usesPostgreSQL && secret != nil && !eventually(10, { (try? sql("SELECT to_regclass('hubsync.deliveries') IS NOT NULL")) == "t" }) {
            throw TestFailure("webhook-fcgi did not create the schema: \(log)")
        }
    }

    deinit { stop() }

    private func startProgram(arguments: [String], environment: [String: String]) throws {
        programArguments = arguments
        programEnvironment = environment
        let process = Process()
        if case .systemd = listener {
            // The socket arrives on stdin; the shell moves it to fd 3 and execs the program in its
            // own process, so LISTEN_PID (the shell's pid) is the program's.
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", socketActivationWrapper, Paths.program("webhook-fcgi"), "1"] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Paths.program("webhook-fcgi"))
            process.arguments = arguments
        }
        process.environment = environment
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()  // a restarted program appends to the same log
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        if inheritedSocketFD >= 0 {
            process.standardInput = FileHandle(fileDescriptor: inheritedSocketFD, closeOnDealloc: false)
        }
        try process.run()
        program = process
    }

    private func startNginx(environment: [String: String]) throws {
        nginxEnvironment = environment
        let render = try run(Paths.repository + "/scripts/render-nginx-conf.sh", [directory, String(port)], environment: environment)
        guard render.status == 0 else { throw TestFailure("render-nginx-conf.sh: \(render.stderr)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-p", directory, "-c", directory + "/nginx.conf", "-e", directory + "/nginx-error.log"]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        nginx = process
        guard eventually(5, { (try? RawHTTPProbe.canConnect(port: port)) == true }) else {
            throw TestFailure("nginx did not start: \((try? String(contentsOfFile: directory + "/nginx-error.log", encoding: .utf8)) ?? "")")
        }
    }

    /// Sends a signed delivery of `event` with `body`.
    func deliver(event: String, body: [UInt8], id: String = newDeliveryID(), path: String = "/github/webhook",
                 contentType: String = "application/json") throws -> HTTPResult {
        try RawHTTP.send(port: port, path: path, headers: deliveryHeaders(event: event, body: body, id: id, secret: secret,
                                                                           contentType: contentType), body: body)
    }

    @discardableResult
    func sql(_ statement: String) throws -> String { try query(databasePath, statement) }

    /// The store is on PostgreSQL (the PostgreSQL pass of make test).
    var usesPostgreSQL: Bool { databasePath.hasPrefix("postgres") }

    /// What the store holds, to search for a value that must not be there: SQLite's file and its
    /// WAL byte for byte, or every row of every table of PostgreSQL's store as text (bytea in hex;
    /// search for `hex(value)` too).
    func storedBytes() throws -> Data {
        guard usesPostgreSQL else {
            return try Data(contentsOf: URL(fileURLWithPath: databasePath))
                + ((try? Data(contentsOf: URL(fileURLWithPath: databasePath + "-wal"))) ?? Data())
        }
        var text = ""
        for table in try sql("SELECT tablename FROM pg_tables WHERE schemaname = 'hubsync'").split(separator: "\n") {
            text += try sql("SELECT t::text FROM hubsync.\(table) AS t") + "\n"
        }
        return Data(text.utf8)
    }

    /// "ok" when the database finds itself sound: SQLite's integrity_check, or on PostgreSQL
    /// amcheck's verification of every B-tree index of the store (and so of the rows they point at).
    func integrityCheck() throws -> String {
        guard usesPostgreSQL else { return try sql("PRAGMA integrity_check") }
        try sql("CREATE EXTENSION IF NOT EXISTS amcheck SCHEMA public")
        _ = try sql("""
            SELECT count(public.bt_index_check(c.oid, true)) FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
            JOIN pg_namespace AS n ON n.oid = c.relnamespace JOIN pg_am AS a ON a.oid = c.relam
            WHERE n.nspname = 'hubsync' AND a.amname = 'btree'
            """)
        return "ok"
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    var callbackLog: String { (try? String(contentsOfFile: callbackLogPath, encoding: .utf8)) ?? "" }

    /// Worker processes of the supervisor, from /proc.
    func workerPIDs() -> [Int32] {
        guard let supervisor = program?.processIdentifier else { return [] }
        let text = (try? String(contentsOfFile: "/proc/\(supervisor)/task/\(supervisor)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { Int32($0) }
    }

    /// The supervisor's `--background` process (the event runner), from its command line.
    func backgroundPID() -> Int32? {
        workerPIDs().first { pid in
            let arguments = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            return arguments.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == "--background" }
        }
    }

    /// The supervisor's request workers: every child but the background process.
    func requestWorkerPIDs() -> [Int32] {
        let background = backgroundPID()
        return workerPIDs().filter { $0 != background }
    }

    /// SIGTERM to the program; returns its exit status.
    @discardableResult
    func stopProgram() -> Int32? {
        guard let program, program.isRunning else { return program?.terminationStatus }
        program.terminate()
        program.waitUntilExit()
        return program.terminationStatus
    }

    /// SIGKILL to the supervisor (its workers die with it: PDEATHSIG), as a crash or the OOM killer.
    func killProgram() {
        guard let program, program.isRunning else { return }
        kill(program.processIdentifier, SIGKILL)
        program.waitUntilExit()
    }

    /// The program again, with the arguments and environment it was first started with; returns
    /// once it accepts connections (a killed program leaves its socket file behind).
    func startProgramAgain() throws {
        try startProgram(arguments: programArguments, environment: programEnvironment)
        try waitUntilListening()
    }

    private func waitUntilListening() throws {
        switch listener {
        case .supervised:
            guard eventually(5, { canConnectUnix(socketPath) }) else { throw TestFailure("webhook-fcgi did not listen on its socket: \(log)") }
        case .tcp:
            let port = UInt16(programArguments[1].split(separator: ":")[1])!
            guard eventually(5, { (try? RawHTTPProbe.canConnect(port: port)) == true }) else { throw TestFailure("webhook-fcgi did not listen: \(log)") }
        case .inherited, .systemd:
            break  // the test's own socket, listening before the program starts
        }
    }

    /// nginx stopped (SIGTERM: its fast shutdown, cutting connections in flight) and started again.
    func restartNginx() throws {
        if let nginx, nginx.isRunning {
            nginx.terminate()
            nginx.waitUntilExit()
        }
        try startNginx(environment: nginxEnvironment)
    }

    func restartProgram(arguments: [String], environment: [String: String]) throws {
        stopProgram()
        try startProgram(arguments: arguments, environment: environment)
    }

    func stop() {
        stopProgram()
        if let callbackProgram, callbackProgram.isRunning {
            callbackProgram.terminate()
            callbackProgram.waitUntilExit()
        }
        if let nginx, nginx.isRunning {
            nginx.terminate()
            nginx.waitUntilExit()
        }
        if inheritedSocketFD >= 0 { close(inheritedSocketFD); inheritedSocketFD = -1 }
    }
}

enum RawHTTPProbe {
    static func canConnect(port: UInt16) throws -> Bool {
        let fd = try RawHTTP.connect(port: port)
        close(fd)
        return true
    }
}

/// Whether something accepts connections on the unix socket at `path`.
func canConnectUnix(_ path: String) -> Bool {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = unixAddress(path)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    } == 0
}

/// `sh -c` script that starts a program as systemd does for a .socket unit: the socket on stdin
/// moves to fd 3, and the program, exec'd in the shell's own process, gets `LISTEN_PID` (its pid)
/// and `LISTEN_FDS` (the first argument). Arguments: the program, LISTEN_FDS, then its arguments.
let socketActivationWrapper = #"exec 3<&0 0</dev/null; export LISTEN_PID=$$ LISTEN_FDS=$1; shift; exec "$0" "$@""#

/// Binds a listening unix socket the way spawn-fcgi does, for the inherited-socket mode.
func bindUnixSocket(_ path: String) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = unixAddress(path)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard bound == 0, listen(fd, 128) == 0 else { throw TestFailure("cannot bind \(path): errno \(errno)") }
    chmod(path, 0o660)
    return fd
}

private func unixAddress(_ path: String) -> sockaddr_un {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
    }
    return address
}
