import Glibc

/// Severity of a log line; `HUBSYNC_LOG_LEVEL` sets the lowest one written.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case debug = 0, info, warn, error

    public init?(name: String) {
        switch name.lowercased() {
        case "debug": self = .debug
        case "info": self = .info
        case "warn", "warning": self = .warn
        case "error": self = .error
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warn: "warn"
        case .error: "error"
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Writes one JSON object per line to stderr. Callers pass only what is safe to log: never a
/// secret, a token or a payload. Writes go straight to fd 2 with one `write` call per line, so
/// lines from several worker processes never interleave (and `stderr` is not concurrency-safe
/// in Swift 6, STACK.md fact 4).
public struct Logger: Sendable {
    public let minimumLevel: LogLevel
    public let program: String

    public init(program: String, minimumLevel: LogLevel) {
        self.program = program
        self.minimumLevel = minimumLevel
    }

    public func log(_ level: LogLevel, _ message: String, _ fields: [(String, LogValue)] = []) {
        guard level >= minimumLevel else { return }
        var line = "{\"ts\":\"\(Timestamp.now().iso8601)\",\"level\":\"\(level.name)\",\"program\":"
        line += JSONText.quoted(program) + ",\"pid\":\(getpid()),\"msg\":" + JSONText.quoted(message)
        for (key, value) in fields {
            line += "," + JSONText.quoted(key) + ":" + value.jsonText
        }
        line += "}\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { if errno == EINTR { continue } else { return } }
                offset += written
            }
        }
    }

    public func debug(_ message: String, _ fields: [(String, LogValue)] = []) { log(.debug, message, fields) }
    public func info(_ message: String, _ fields: [(String, LogValue)] = []) { log(.info, message, fields) }
    public func warn(_ message: String, _ fields: [(String, LogValue)] = []) { log(.warn, message, fields) }
    public func error(_ message: String, _ fields: [(String, LogValue)] = []) { log(.error, message, fields) }
}

/// A value in a log line. Strings are JSON-escaped, so hostile header values cannot forge lines.
public enum LogValue: Sendable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)

    var jsonText: String {
        switch self {
        case .string(let text): JSONText.quoted(text)
        case .int(let number): String(number)
        case .double(let number): number.isFinite ? String((number * 1000).rounded() / 1000) : "null"
        case .bool(let flag): flag ? "true" : "false"
        }
    }
}

extension LogValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
}
