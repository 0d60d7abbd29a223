import Glibc
internal import CSystem

/// The entry point shared by the FastCGI programs. It reads the configuration once (a bad value
/// stops the program with a one-line message naming the variable) and picks how to run:
/// - fd 0 is a listening socket (spawn-fcgi, systemd socket activation, our supervisor): serve it;
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

    /// Runs until shut down; returns the exit status. `makeResponder` gets the configuration, the
    /// logger and the program's own flags, once per process.
    public func run(arguments: [String], environment: [String: String],
                    makeResponder: (Configuration, Logger, [String]) throws -> Responder) -> Int32 {
        let options: ServeOptions
        do {
            options = try ServeOptions.parse(arguments, programFlags: programFlags)
        } catch {
            printError("\(name): \(error)")
            return 64
        }
        if options.showHelp { print(usage); return 0 }
        if options.showVersion { print("\(name) \(version)"); return 0 }

        let configuration: Configuration
        do {
            configuration = try Configuration.load(environment: environment)
        } catch {
            printError("\(name): \(error)")
            return 78  // EX_CONFIG
        }
        let logger = Logger(program: name, minimumLevel: configuration.logLevel)
        // Large bodies come from mmap and go back to the system when freed, instead of raising
        // glibc's dynamic threshold and staying in the heap at their peak size.
        _ = csystem_set_mmap_threshold(256 * 1024)

        if let supervisorPID = options.supervisorPID {
            // A worker ends with its supervisor instead of lingering on a socket nobody can reach.
            _ = csystem_set_parent_death_signal(SIGTERM)
            if getppid() != supervisorPID { return 0 }
        }

        var listenFD: Int32?
        if isListeningSocket(0) {
            listenFD = 0
        } else if let address = options.socket {
            do {
                listenFD = try openListeningSocket(address, mode: options.socketMode, group: options.socketGroup)
            } catch {
                printError("\(name): \(error)")
                return 71  // EX_OSERR
            }
            if let workers = options.workers {
                let workerArguments = options.programArguments
                let status = Supervisor(listenFD: listenFD!, workerCount: workers, workerArguments: workerArguments, logger: logger).run()
                if case .unix(let path) = address { unlink(path) }
                return status
            }
        }

        let shutdown = listenFD == nil ? nil : ShutdownSignal()
        let responder: Responder
        do {
            responder = try makeResponder(configuration, logger, options.programArguments)
        } catch {
            printError("\(name): \(error)")
            return 70  // EX_SOFTWARE
        }
        let cycle = RequestCycle(responder: responder, maxBodyBytes: configuration.maxBodyBytes, logger: logger)
        guard let listenFD, let shutdown else {
            CGIGateway.serveOne(cycle, environment: environment)
            responder.workerStarted()  // CGI: finish what an earlier crash left, after answering
            responder.workerStopping()
            return 0
        }
        do {
            let server = try FastCGIServer(listenFD: listenFD)
            responder.workerStarted()
            server.serve(cycle, shutdown: shutdown, threads: configuration.requestThreads)
            responder.workerStopping()
        } catch {
            printError("\(name): \(error)")
            return 70
        }
        if case .unix(let path)? = options.socket, options.supervisorPID == nil, listenFD != 0 { unlink(path) }
        logger.info("worker stopped")
        return 0
    }
}

/// One line on stderr, for start-up failures (before the logger exists).
public func printError(_ line: String) {
    writeAll(fd: 2, Array((line + "\n").utf8))
}
