import Glibc

/// `--workers N`: binds the socket once, starts N copies of this program with the socket on fd 0
/// (so each runs in inherited-socket mode, the same path as spawn-fcgi or systemd), starts a new
/// worker when one dies, with a backoff that grows while workers keep dying young, and on SIGTERM
/// asks every worker to finish the request in hand, then exits.
///
/// With `hasBackgroundProcess` it also keeps one `--background` process (the webhook program's
/// event runner), which serves no request: a handler that kills it takes no request with it. A
/// pipe made here wakes it: workers get its write end, the background process its read end, both
/// on fd `workSignalFD`. It is started again quickly (at most a second) when it dies, since its
/// deaths are bounded per event by the runner itself.
struct Supervisor {
    let listenFD: Int32
    let workerCount: Int
    let workerArguments: [String]
    let hasBackgroundProcess: Bool
    let logger: Logger
    /// How long workers get to finish their requests before SIGKILL.
    let shutdownGraceSeconds: Double = 30
    static let workSignalFD: Int32 = 3

    private struct Worker {
        var pid: pid_t
        var startedAt: Timestamp
        var isBackground: Bool
    }

    func run() -> Int32 {
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGTERM, SIGINT, SIGCHLD, SIGHUP] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        let pipe = hasBackgroundProcess ? makeNonBlockingPipe() : nil
        if hasBackgroundProcess && pipe == nil { logger.error("cannot make the background process's pipe; it is woken by its timer only") }
        var workers: [Worker] = []
        var restartDelaySeconds = 0.1
        var backgroundRestartDelaySeconds = 0.1
        var restartAt: [(due: Timestamp, isBackground: Bool)] = []  // one entry per process waiting to be started again
        for _ in 0..<workerCount {
            if let worker = spawn(background: false, pipe: pipe) { workers.append(worker) } else { restartAt.append((.now(), false)) }
        }
        if hasBackgroundProcess {
            if let worker = spawn(background: true, pipe: pipe) { workers.append(worker) } else { restartAt.append((.now(), true)) }
        }
        logger.info("supervisor started", [("workers", .int(workerCount))])

        while true {
            var timeout = timespec(tv_sec: 0, tv_nsec: 200_000_000)
            let signal = sigtimedwait(&signals, nil, &timeout)
            if signal == SIGTERM || signal == SIGINT {
                return shutDown(workers.map(\.pid))
            }
            // Reap every dead worker (SIGCHLD, or found on a timeout tick).
            while true {
                var status: Int32 = 0
                let pid = waitpid(-1, &status, WNOHANG)
                guard pid > 0 else { break }
                guard let index = workers.firstIndex(where: { $0.pid == pid }) else { continue }
                let lived = workers[index].startedAt.millisecondsUntil(.now()) / 1000
                let isBackground = workers[index].isBackground
                workers.remove(at: index)
                // Workers that die young suggest a persistent fault: back off up to 5 s, never a tight loop.
                // The background process backs off to 1 s at most: what kills it is an event, and the
                // runner gives an event up after a few deaths, so waiting longer only delays the others.
                let delay: Double
                if isBackground {
                    backgroundRestartDelaySeconds = lived < 10 ? min(backgroundRestartDelaySeconds * 2, 1) : 0.1
                    delay = backgroundRestartDelaySeconds
                } else {
                    restartDelaySeconds = lived < 10 ? min(restartDelaySeconds * 2, 5) : 0.1
                    delay = restartDelaySeconds
                }
                logger.warn(isBackground ? "background process exited" : "worker exited",
                            [("worker_pid", .int(Int(pid))), ("exit", .string(describe(status))), ("restart_in_s", .double(delay))])
                restartAt.append((Timestamp.now().adding(microseconds: Int64(delay * 1_000_000)), isBackground))
            }
            let now = Timestamp.now()
            restartAt = restartAt.filter { entry in
                guard entry.due <= now else { return true }
                if let worker = spawn(background: entry.isBackground, pipe: pipe) { workers.append(worker); return false }
                return true
            }
        }
    }

    private func spawn(background: Bool, pipe: (read: Int32, write: Int32)?) -> Worker? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var roleArguments: [String] = []
        if !background { posix_spawn_file_actions_adddup2(&actions, listenFD, 0) }
        if background { roleArguments.append("--background") }
        if let pipe {
            posix_spawn_file_actions_adddup2(&actions, background ? pipe.read : pipe.write, Supervisor.workSignalFD)
            roleArguments += ["--work-signal-fd", String(Supervisor.workSignalFD)]
        }

        let executable = currentExecutablePath()
        let arguments = [executable] + workerArguments + roleArguments + ["--supervised-by", String(getpid())]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        // The child starts with no blocked signals and default dispositions; it installs its own.
        let result = withSpawnAttributes(ownProcessGroup: false) { attributes in posix_spawn(&pid, executable, &actions, &attributes, &argv, environ) }
        guard result == 0 else {
            logger.error("cannot start a worker", [("error", .string(String(cString: strerror(result))))])
            return nil
        }
        return Worker(pid: pid, startedAt: .now(), isBackground: background)
    }

    private func shutDown(_ pids: [pid_t]) -> Int32 {
        logger.info("supervisor stopping", [("workers", .int(pids.count))])
        var alive = Set(pids)
        let deadline = Timestamp.now().microsecondsSinceEpoch + Int64(shutdownGraceSeconds * 1_000_000)
        while !alive.isEmpty && Timestamp.now().microsecondsSinceEpoch < deadline {
            // Repeated: a worker blocks SIGTERM while it finishes a request and sees it afterwards.
            for pid in alive { kill(pid, SIGTERM) }
            usleep(100_000)
            while true {
                var status: Int32 = 0
                let pid = waitpid(-1, &status, WNOHANG)
                guard pid > 0 else { break }
                alive.remove(pid)
            }
        }
        for pid in alive {
            logger.warn("worker did not stop in time, killing it", [("worker_pid", .int(Int(pid)))])
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        return 0
    }

    private func describe(_ status: Int32) -> String {
        let signal = status & 0x7F
        if signal == 0 { return "status \((status >> 8) & 0xFF)" }
        return "signal \(signal)"
    }
}

/// The running binary, from /proc/self/exe, so workers are the same build as their supervisor.
func currentExecutablePath() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return CommandLine.arguments[0] }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
