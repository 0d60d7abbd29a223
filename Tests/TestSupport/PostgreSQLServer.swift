import Foundation

/// A real PostgreSQL server (Debian's `postgresql` package) of the test's own: `initdb` into a
/// temporary directory, `postgres` on a free loopback port and a socket in that directory, durable
/// settings as shipped (fsync and synchronous_commit on). PostgreSQL refuses to run as root, and CI
/// runs as root: then the cluster belongs to `nobody` and its programs run as nobody through
/// `setpriv`, which execs them (so that the test's signals reach the server itself).
public final class PostgreSQLServer {
    public let directory: TemporaryDirectory
    public let port: UInt16
    public let user = "hubsync"
    private var process: SpawnedProcess?
    private let binDirectory: String
    private let runsAsNobody = getuid() == 0

    public var dataDirectory: String { directory.path + "/data" }
    /// Where the server's unix socket and its lock file go (the server's user must write there).
    public var socketDirectory: String { directory.path + "/run" }
    /// A URI for database `database` as the cluster's superuser (trust authentication on loopback).
    public func uri(database: String = "postgres") -> String { "postgresql://\(user)@127.0.0.1:\(port)/\(database)" }

    private let maxConnections: Int

    /// `maxConnections`: the server's limit (each connection is a process of the server's).
    public init(maxConnections: Int = 200) throws {
        self.maxConnections = maxConnections
        binDirectory = try PostgreSQLServer.findBinDirectory()
        directory = try TemporaryDirectory()
        port = try freePort()
        try run("/bin/mkdir", [dataDirectory, socketDirectory], asOwner: false)
        if runsAsNobody {
            chmod(directory.path, 0o755)
            try run("/bin/chown", ["nobody:nogroup", dataDirectory, socketDirectory], asOwner: false)
        }
        try run(binDirectory + "/initdb", ["-D", dataDirectory, "-U", user, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        try start()
    }

    deinit { stop() }

    /// Starts the server (again, after `stop`) and waits until it takes connections.
    public func start() throws {
        let arguments = ["-D", dataDirectory, "-p", String(port), "-h", "127.0.0.1", "-k", socketDirectory,
                         "-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "max_connections=\(maxConnections)",
                         // The server's log into data/log (read it there), not the test run's output.
                         "-c", "logging_collector=on", "-c", "log_directory=log"]
        process = try SpawnedProcess(runsAsNobody ? PostgreSQLServer.setpriv : binDirectory + "/postgres",
                                     runsAsNobody ? PostgreSQLServer.asNobody + [binDirectory + "/postgres"] + arguments : arguments,
                                     captureOutput: false)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if try runProcess(binDirectory + "/pg_isready", ["-q", "-h", "127.0.0.1", "-p", String(port)]).status == 0 { return }
            usleep(100_000)
        }
        stop()
        throw FileError(description: "PostgreSQL did not start on port \(port)")
    }

    /// A fast shutdown (SIGINT: sessions are ended, the server exits cleanly).
    public func stop() {
        guard let process else { return }
        process.kill(SIGINT)
        process.wait()
        self.process = nil
    }

    /// The server dies at once (SIGKILL of the postmaster, as a crash): committed data survives.
    public func kill() {
        guard let process else { return }
        process.kill(SIGKILL)
        process.wait()
        self.process = nil
    }

    private func run(_ program: String, _ arguments: [String], asOwner: Bool = true) throws {
        let (executable, all) = asOwner && runsAsNobody ? (PostgreSQLServer.setpriv, PostgreSQLServer.asNobody + [program] + arguments) : (program, arguments)
        let result = try runProcess(executable, all)
        guard result.status == 0 else { throw FileError(description: "\(program) failed: \(result.stderr)") }
    }

    private static let setpriv = "/usr/bin/setpriv"
    private static let asNobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]

    private static func findBinDirectory() throws -> String {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let newest = versions.compactMap(Int.init).max() else {
            throw FileError(description: "PostgreSQL is not installed (apt-get install postgresql; make test installs it)")
        }
        return "/usr/lib/postgresql/\(newest)/bin"
    }
}
