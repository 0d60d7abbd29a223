import Glibc

/// Which process runs a handler attempt, written beside the attempt: host, pid and the process's
/// start time (clock ticks since boot, field 22 of /proc/PID/stat), so that a pid reused after a
/// crash is not taken for the process that died.
public struct ProcessIdentity: Sendable, Equatable {
    public var host: String
    public var pid: Int32
    public var startTicks: UInt64

    public static func current() -> ProcessIdentity {
        ProcessIdentity(host: hostName(), pid: getpid(), startTicks: startTicks(of: getpid()) ?? 0)
    }

    public init(host: String, pid: Int32, startTicks: UInt64) {
        self.host = host
        self.pid = pid
        self.startTicks = startTicks
    }

    /// `host/pid/start`, as stored.
    public var text: String { "\(host)/\(pid)/\(startTicks)" }

    public init?(text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, let pid = Int32(parts[1]), let start = UInt64(parts[2]) else { return nil }
        self.init(host: String(parts[0]), pid: pid, startTicks: start)
    }

    /// True when this process is certainly gone: it ran on this host and no process with its pid
    /// and start time exists. A process on another host cannot be checked from here: false.
    public var isKnownDead: Bool {
        guard host == ProcessIdentity.hostName() else { return false }
        return ProcessIdentity.startTicks(of: pid) != startTicks
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.replacingSlashes()
    }

    /// Field 22 of /proc/PID/stat; the command name in field 2 may hold spaces and parentheses, so
    /// the fields are counted after its last ')'.
    static func startTicks(of pid: Int32) -> UInt64? {
        guard let bytes = try? readSmallFile("/proc/\(pid)/stat", limit: 4096), let close = bytes.lastIndex(of: UInt8(ascii: ")")) else {
            return nil
        }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        guard fields.count > 19 else { return nil }
        return UInt64(String(decoding: fields[19], as: UTF8.self))
    }
}

private extension String {
    func replacingSlashes() -> String { String(map { $0 == "/" ? "_" : $0 }) }
}
