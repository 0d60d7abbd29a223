import Glibc

/// The command line every FastCGI program shares. With no `--socket` and no socket on fd 0 the
/// program serves one CGI request.
struct ServeOptions: Equatable {
    var socket: SocketAddress?
    /// nil: one process; a number: a supervisor with that many workers.
    var workers: Int?
    var socketMode: mode_t = 0o660
    var socketGroup: String?
    /// Set on workers started by our supervisor: its pid.
    var supervisorPID: pid_t?
    /// Set by our supervisor on the process that does the program's background work alone.
    var isBackgroundProcess = false
    /// Set by our supervisor: the descriptor of the pipe that wakes the background process (its
    /// read end there, its write end in request workers).
    var workSignalFD: Int32?
    var showVersion = false
    var showHelp = false
    /// Arguments the program itself understands (passed through to workers).
    var programArguments: [String] = []

    /// `hasSocketFromSystemd`: a .socket unit passed the socket, so `--workers` needs no `--socket`
    /// (and may not have one: two sockets would be one too many).
    static func parse(_ arguments: [String], programFlags: Set<String>,
                      hasSocketFromSystemd: Bool = false) throws(ServeOptionsError) -> ServeOptions {
        var options = ServeOptions()
        var index = 0
        func value(for flag: String) throws(ServeOptionsError) -> String {
            index += 1
            guard index < arguments.count else { throw .missingValue(flag) }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--socket":
                let text = try value(for: argument)
                guard let address = SocketAddress(text) else { throw .invalid(argument, text, "a unix socket path or 127.0.0.1:PORT") }
                options.socket = address
            case "--workers":
                // `--workers` alone means one per core.
                if index + 1 < arguments.count, !arguments[index + 1].hasPrefix("--") {
                    let text = try value(for: argument)
                    guard let count = Int(text), count >= 1, count <= 256 else { throw .invalid(argument, text, "a number from 1 to 256") }
                    options.workers = count
                } else {
                    options.workers = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
                }
            case "--socket-mode":
                let text = try value(for: argument)
                guard let mode = mode_t(text, radix: 8), mode <= 0o777 else { throw .invalid(argument, text, "an octal mode such as 0660") }
                options.socketMode = mode
            case "--socket-group":
                options.socketGroup = try value(for: argument)
            case "--supervised-by":
                let text = try value(for: argument)
                guard let pid = pid_t(text), pid > 0 else { throw .invalid(argument, text, "a process id") }
                options.supervisorPID = pid
            case "--background":
                options.isBackgroundProcess = true
            case "--work-signal-fd":
                let text = try value(for: argument)
                guard let fd = Int32(text), fd >= 3, fd < 1024 else { throw .invalid(argument, text, "a file descriptor from 3 to 1023") }
                options.workSignalFD = fd
            case "--version": options.showVersion = true
            case "--help", "-h": options.showHelp = true
            default:
                guard programFlags.contains(argument) else { throw .unknown(argument) }
                options.programArguments.append(argument)
            }
            index += 1
        }
        if hasSocketFromSystemd && options.socket != nil { throw .socketTwice }
        if options.workers != nil && options.socket == nil && !hasSocketFromSystemd { throw .workersWithoutSocket }
        return options
    }
}

enum ServeOptionsError: Error, CustomStringConvertible, Equatable {
    case missingValue(String)
    case invalid(String, String, String)
    case unknown(String)
    case workersWithoutSocket
    case socketTwice

    var description: String {
        switch self {
        case .missingValue(let flag): "\(flag) needs a value"
        case .invalid(let flag, let value, let expected): "\(flag) \(value): expected \(expected)"
        case .unknown(let flag): "unknown option \(flag) (see --help)"
        case .workersWithoutSocket: "--workers needs --socket (or a socket from a systemd .socket unit): the supervisor binds the socket its workers share"
        case .socketTwice: "--socket given, but systemd passed a socket too (a .socket unit): drop --socket from ExecStart="
        }
    }
}
