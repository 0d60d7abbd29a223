import Foundation

/// A child process started with posix_spawn, its standard output and error on pipes (created
/// close-on-exec, so that the child holds no other end of them and a reader sees end-of-file). Not
/// Foundation's `Process`: its `run()` overflows a heap buffer while closing descriptors (found by
/// `make sanitize`), which AddressSanitizer rightly stops at. Signals are unblocked in the child
/// (the test runner's threads block some, and a child would inherit that).
public final class SpawnedProcess {
    public let pid: pid_t
    public let stdout: Int32
    public let stderr: Int32
    private var exitStatus: Int32?

    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdin: Int32? = nil,
                captureOutput: Bool = true) throws {
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        if captureOutput { guard closeOnExecPipe(&outPipe), closeOnExecPipe(&errPipe) else { throw FileError(description: "pipe failed") } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin { posix_spawn_file_actions_adddup2(&actions, stdin, 0) } else { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        if captureOutput {
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
            posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
            for fd in outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        if captureOutput { close(outPipe[1]); close(errPipe[1]) }
        guard result == 0 else {
            if captureOutput { close(outPipe[0]); close(errPipe[0]) }
            throw FileError(description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
        stdout = captureOutput ? outPipe[0] : -1
        stderr = captureOutput ? errPipe[0] : -1
    }

    deinit {
        if stdout >= 0 { close(stdout) }
        if stderr >= 0 { close(stderr) }
    }

    /// Reads both pipes to their end (together, so that neither fills and blocks the child).
    public func readAll() -> (stdout: [UInt8], stderr: [UInt8]) {
        var out: [UInt8] = [], err: [UInt8] = []
        var open = [stdout, stderr].filter { $0 >= 0 }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 || errno == EINTR else { break }
            for entry in fds where entry.revents != 0 {
                let count = read(entry.fd, &buffer, buffer.count)
                if count > 0 {
                    if entry.fd == stdout { out += buffer[0..<count] } else { err += buffer[0..<count] }
                } else if count == 0 || errno != EINTR {
                    open.removeAll { $0 == entry.fd }
                }
            }
        }
        return (out, err)
    }

    /// Reads standard output up to the first newline (for a server's "listening" line).
    public func readLine() -> String {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(stdout, &byte, 1) == 1, byte != 10 { line.append(byte) }
        return String(decoding: line, as: UTF8.self)
    }

    @discardableResult
    public func wait() -> Int32 {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        exitStatus = code
        return code
    }

    public func kill(_ signal: Int32 = SIGKILL) { _ = Glibc.kill(pid, signal) }
}

/// Runs a program to completion: its exit status and output. Both pipes are read before waiting,
/// so a large output cannot fill a pipe and block the child.
@discardableResult
public func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                       input: [UInt8]? = nil) throws -> (status: Int32, stdout: String, stderr: String, output: [UInt8]) {
    var inputPipe: [Int32] = [-1, -1]
    if input != nil { guard closeOnExecPipe(&inputPipe) else { throw FileError(description: "pipe failed") } }
    let process = try SpawnedProcess(executable, arguments, environment: environment, stdin: input != nil ? inputPipe[0] : nil)
    if let input {
        close(inputPipe[0])
        let inputFD = inputPipe[1]
        // Written from another thread: a child that prints before reading must not deadlock us.
        let writer = Thread {
            var offset = 0
            while offset < input.count {
                let written = input[offset...].withUnsafeBytes { write(inputFD, $0.baseAddress, $0.count) }
                if written <= 0 { break }
                offset += written
            }
            close(inputFD)
        }
        writer.start()
    }
    let (out, err) = process.readAll()
    let status = process.wait()
    return (status, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self), out)
}

/// pipe(2) with both ends close-on-exec (pipe2 needs _GNU_SOURCE, which Swift's Glibc leaves out).
func closeOnExecPipe(_ fds: inout [Int32]) -> Bool {
    guard pipe(&fds) == 0 else { return false }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return true
}
