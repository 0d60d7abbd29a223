import Glibc
internal import CSystem

/// The entry point shared by the FastCGI programs. It reads the configuration once (a bad value
/// stops the program with a one-line message naming the variable) and picks how to run:
/// - systemd passed a socket (`LISTEN_FDS`, a .socket unit): serve it, alone or with `--workers`;
/// - fd 0 is a listening socket (spawn-fcgi, our supervisor's workers): serve it;
/// - `--socket ADDR`: bind it and serve it, in this process;
/// - `--socket ADDR --workers [N]`: bind it once and supervise N worker processes;
/// - otherwise: plain CGI, one request from the environment and stdin.
public struct FastCGIProgram {
    public let name: String
    public let version: String
    public let usage: String
    public let programFlags: Set<String>

    public init(name: String, version: String, usage: String, programFlags: Set<String> = []) {
        self.name = name
        self.version = version
        self.usage = usage
        self.programFlags = programFlags
    }

    /// Runs until shut down; returns the exit status. `makeResponder` is called once per process.
    /// `hasBackgroundWork`: the responder will have `background` work, which a supervisor gives a
    /// process of its own.
    /// `validate`: what this program requires of the configuration beyond parsing (refused with exit 78).
    public func run(arguments: [String], environment: [String: String], hasBackgroundWork: Bool = false,
                    validate: (Configuration) throws(ConfigurationError) -> Void = { _ in },
                    makeResponder: (ProgramContext) throws -> Responder) -> Int32 {
        let socketFromSystemd: Int32?
        do {
            socketFromSystemd = try SystemdSocket.take(environment: environment)
        } catch {
            printError("\(name): \(error)")
            return 78  // EX_CONFIG: the unit's fault
        }
        let options: ServeOptions
        do {
            options = try ServeOptions.parse(arguments, programFlags: programFlags, hasSocketFromSystemd: socketFromSystemd != nil)
        } catch {
            printError("\(name): \(error)")
            return 64
        }
        if options.showHelp { print(usage); return 0 }
        if options.showVersion { print("\(name) \(version)"); return 0 }

        let configuration: Configuration
        do {
            configuration = try Configuration.load(environment: environment)
            try validate(configuration)
        } catch {
            printError("\(name): \(error)")
            return 78  // EX_CONFIG
        }
        let logger = Logger(program: name, minimumLevel: configuration.logLevel)
        AllocatorTuning.applyForServers()

        if let supervisorPID = options.supervisorPID {
            // A worker ends with its supervisor instead of lingering on a socket nobody can reach.
            _ = csystem_set_parent_death_signal(SIGTERM)
            if getppid() != supervisorPID { return 0 }
        }

        if options.isBackgroundProcess {
            return runBackgroundProcess(options, configuration: configuration, logger: logger, environment: environment,
                                        makeResponder: makeResponder)
        }

        var listenFD: Int32?
        var boundPath: String?  // a socket path this process bound, removed when it stops
        if let socketFromSystemd {
            listenFD = socketFromSystemd
        } else if isListeningSocket(0) {
            listenFD = 0
        } else if let address = options.socket {
            do {
                listenFD = try openListeningSocket(address, mode: options.socketMode, group: options.socketGroup)
            } catch {
                printError("\(name): \(error)")
                return 71  // EX_OSERR
            }
            if case .unix(let path) = address, options.supervisorPID == nil { boundPath = path }
        }
        if let listenFD, let workers = options.workers {
            let status = Supervisor(listenFD: listenFD, workerCount: workers, workerArguments: options.programArguments,
                                    hasBackgroundProcess: hasBackgroundWork, logger: logger).run()
            if let boundPath { unlink(boundPath) }
            return status
        }

        let shutdown = listenFD == nil ? nil : ShutdownSignal()
        // A worker of our supervisor wakes the background process; a process serving alone runs
        // its background work on a thread, woken through a pipe of its own; CGI runs it once after
        // the answer.
        let ownSignal = hasBackgroundWork && listenFD != nil && options.workSignalFD == nil ? WorkSignal.makePipe() : nil
        let workSignal = options.workSignalFD.map { WorkSignal(readFD: nil, writeFD: $0) } ?? ownSignal ?? .none
        let responder: Responder
        do {
            responder = try makeResponder(ProgramContext(configuration: configuration, logger: logger, flags: options.programArguments,
                                                         environment: environment, workSignal: workSignal, isBackgroundProcess: false))
        } catch {
            printError("\(name): \(error)")
            return 70  // EX_SOFTWARE
        }
        let cycle = RequestCycle(responder: responder, maxBodyBytes: configuration.maxBodyBytes, logger: logger)
        guard let listenFD, let shutdown else {
            CGIGateway.serveOne(cycle, environment: environment)
            _ = responder.background?.pass()  // CGI: the work this request stored, and any that is due
            responder.workerStopping()
            return 0
        }
        do {
            let server = try FastCGIServer(listenFD: listenFD)
            // Started after the server exists, so that the first request is never kept waiting for
            // old work: the thread and the request threads run side by side.
            let backgroundThread = ownSignal.flatMap { signal in
                responder.background.map { work in
                    NativeThread { runBackground(work, signal: signal, shutdown: shutdown, takesSignals: false) }
                }
            }
            server.serve(cycle, shutdown: shutdown, threads: configuration.requestThreads)
            ownSignal?.notify()
            backgroundThread?.join()
            responder.workerStopping()
        } catch {
            printError("\(name): \(error)")
            return 70
        }
        if let boundPath { unlink(boundPath) }
        logger.info("worker stopped")
        return 0
    }
}

extension FastCGIProgram {
    /// `--background` (started by our supervisor): no socket, only the background work, woken
    /// through the pipe on `--work-signal-fd`, until SIGTERM.
    private func runBackgroundProcess(_ options: ServeOptions, configuration: Configuration, logger: Logger,
                                      environment: [String: String], makeResponder: (ProgramContext) throws -> Responder) -> Int32 {
        let shutdown = ShutdownSignal()
        let signal = WorkSignal(readFD: options.workSignalFD, writeFD: nil)
        let responder: Responder
        do {
            responder = try makeResponder(ProgramContext(configuration: configuration, logger: logger, flags: options.programArguments,
                                                         environment: environment, workSignal: .none, isBackgroundProcess: true))
        } catch {
            printError("\(name): \(error)")
            return 70
        }
        guard let work = responder.background else {
            printError("\(name): --background: this program has no background work")
            return 64
        }
        logger.info("background process started")
        runBackground(work, signal: signal, shutdown: shutdown, takesSignals: true)
        responder.workerStopping()
        logger.info("background process stopped")
        return 0
    }
}

/// Passes of `work` until shutdown: again after the gathering pause while a pass found work, else
/// after a wake-up or the idle interval. The first pass comes first: work left by a process that
/// died. `takesSignals`: true only when this is the process's one thread (ShutdownSignal.wait).
private func runBackground(_ work: BackgroundWork, signal: WorkSignal, shutdown: ShutdownSignal, takesSignals: Bool) {
    while !shutdown.isRequestedOrPending {
        if work.pass() > 0 {
            if work.gatherMilliseconds > 0 { usleep(UInt32(work.gatherMilliseconds) * 1000) }
        } else if !signal.wait(milliseconds: work.idleMilliseconds, shutdown: shutdown, takesSignals: takesSignals) {
            return  // the supervisor is gone
        }
    }
}

/// One line on stderr, for start-up failures (before the logger exists).
public func printError(_ line: String) {
    writeAll(fd: 2, Array((line + "\n").utf8))
}
