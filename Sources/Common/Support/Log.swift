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
/// in Swift 6, docs/stack-notes.md fact 4).
public struct Logger: Sendable {
    public let minimumLevel: LogLevel
    public let program: String

    public init(program: String, minimumLevel: LogLevel) {
        self.program = program
        self.minimumLevel = minimumLevel
    }

    public func log(_ level: LogLevel, _ message: String, _ fields: [(String, LogValue)] = []) {
        guard level >= minimumLevel else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        bytes.append(contentsOf: "{\"ts\":\"\(Timestamp.now().iso8601)\",\"level\":\"\(level.name)\",\"program\":".utf8)
        JSONText.appendQuoted(program, to: &bytes)
        bytes.append(contentsOf: ",\"pid\":\(getpid()),\"msg\":".utf8)
        JSONText.appendQuoted(message, to: &bytes)
        for (key, value) in fields {
            bytes.append(UInt8(ascii: ","))
            JSONText.appendQuoted(key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            value.append(to: &bytes)
        }
        bytes.append(contentsOf: "}\n".utf8)
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

    func append(to bytes: inout [UInt8]) {
        switch self {
        case .string(let text): JSONText.appendQuoted(text, to: &bytes)
        case .int(let number): bytes.append(contentsOf: String(number).utf8)
        case .double(let number): bytes.append(contentsOf: (number.isFinite ? String((number * 1000).rounded() / 1000) : "null").utf8)
        }
    }
}

extension LogValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
}
