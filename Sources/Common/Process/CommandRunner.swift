import Glibc
internal import CSystem

/// Runs a program for an action (`COMMAND`): with exactly the environment given (nothing of this
/// process's own), a body on its standard input, standard output and error gathered together,
/// and a time limit after which its whole process group is killed, so that a script that started
/// children of its own leaves none behind. Never uses a shell: the caller passes `/bin/sh -c`
/// when the action asks for one.
///
/// The body is written while the output is read (a program that never reads its input, or that
/// writes much before reading, blocks neither side); a program that exits without reading its
/// input is not an error: each run makes this process ignore SIGPIPE, so that writing to such a
/// program fails with EPIPE instead of ending the process, whoever the caller (a command, a test).
/// SIGPIPE is process-wide and nothing in these programs wants its default action.
public enum CommandRunner {
    public struct Outcome: Sendable, Equatable {
        /// The exit status, nil when a signal ended the program (or the time limit did).
        public var exitStatus: Int32?
        public var signal: Int32?
        public var timedOut: Bool
        /// The last `outputLimit` bytes of standard output and error.
        public var output: [UInt8]
        public var outputWasTruncated: Bool

        public var succeeded: Bool { exitStatus == 0 && !timedOut }
    }

    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public static let outputLimit = 16 * 1024

    public static func run(_ arguments: [String], environment: [String: String], standardInput: [UInt8],
                           timeoutSeconds: Int) -> Result<Outcome, Failure> {
        guard let program = arguments.first else { return .failure(Failure(description: "no program")) }
        _ = signal(SIGPIPE, SIG_IGN)
        var input: [Int32] = [0, 0]
        var output: [Int32] = [0, 0]
        guard csystem_pipe_cloexec(&input) == 0 else { return .failure(Failure(description: "pipe: \(String(cString: strerror(errno)))")) }
        guard csystem_pipe_cloexec(&output) == 0 else {
            close(input[0]); close(input[1])
            return .failure(Failure(description: "pipe: \(String(cString: strerror(errno)))"))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, output[1], 2)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        // A group of its own, to kill as a whole at the time limit.
        let spawned = withSpawnAttributes(ownProcessGroup: true) { attributes in posix_spawn(&pid, program, &actions, &attributes, &argv, &envp) }
        close(input[0])
        close(output[1])
        guard spawned == 0 else {
            close(input[1]); close(output[0])
            return .failure(Failure(description: "cannot run \(program): \(String(cString: strerror(spawned)))"))
        }
        return .success(exchange(pid: pid, input: input[1], output: output[0], body: standardInput,
                                 deadline: Timestamp.now().adding(seconds: Int64(timeoutSeconds))))
    }

    /// Writes the body and reads the output until the program exits or the deadline passes.
    private static func exchange(pid: pid_t, input: Int32, output: Int32, body: [UInt8], deadline: Timestamp) -> Outcome {
        _ = fcntl(input, F_SETFL, fcntl(input, F_GETFL) | O_NONBLOCK)
        _ = fcntl(output, F_SETFL, fcntl(output, F_GETFL) | O_NONBLOCK)
        var inputFD: Int32? = body.isEmpty ? nil : input
        if body.isEmpty { close(input) }
        var written = 0
        var collected: [UInt8] = []
        var truncated = false
        var outputOpen = true
        var status: Int32 = 0
        var exited = false
        var timedOut = false
        var buffer = [UInt8](repeating: 0, count: 65_536)

        func readAvailable() {
            while outputOpen {
                let count = read(output, &buffer, buffer.count)
                if count > 0 {
                    collected.append(contentsOf: buffer[0..<count])
                    if collected.count > outputLimit {
                        collected.removeFirst(collected.count - outputLimit)
                        truncated = true
                    }
                } else if count == 0 {
                    outputOpen = false
                } else {
                    if errno != EINTR && errno != EAGAIN { outputOpen = false }
                    return
                }
            }
        }

        while !exited {
            if waitpid(pid, &status, WNOHANG) == pid { exited = true; break }
            let remaining = deadline.microsecondsSinceEpoch - Timestamp.now().microsecondsSinceEpoch
            if remaining <= 0 {
                kill(-pid, SIGKILL)
                timedOut = true
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                exited = true
                break
            }
            var fds: [pollfd] = []
            if outputOpen { fds.append(pollfd(fd: output, events: Int16(POLLIN), revents: 0)) }
            if let fd = inputFD { fds.append(pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)) }
            // Wake at least every 50 ms to notice the program's exit (its output may stay open in a child).
            _ = poll(&fds, nfds_t(fds.count), Int32(min(50, max(1, remaining / 1000))))
            readAvailable()
            if let fd = inputFD {
                let count = body.withUnsafeBytes { raw in write(fd, raw.baseAddress! + written, body.count - written) }
                if count > 0 { written += count }
                if written == body.count || (count < 0 && errno != EAGAIN && errno != EINTR) {
                    close(fd)  // all written, or the program closed its input (EPIPE): it has what it wanted
                    inputFD = nil
                }
            }
        }
        readAvailable()
        if let fd = inputFD { close(fd) }
        close(output)
        let exitedNormally = (status & 0x7f) == 0
        return Outcome(exitStatus: exitedNormally && !timedOut ? (status >> 8) & 0xff : nil,
                       signal: exitedNormally ? nil : status & 0x7f, timedOut: timedOut,
                       output: collected, outputWasTruncated: truncated)
    }
}
