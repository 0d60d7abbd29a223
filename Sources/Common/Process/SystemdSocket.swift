import Glibc

/// A listening socket handed over by systemd socket activation (`sd_listen_fds(3)`): systemd binds
/// the unit's `ListenStream=` as root, with the `SocketGroup=` and `SocketMode=` the .socket unit
/// gives it, and passes it on fd 3 with `LISTEN_FDS=1` and `LISTEN_PID` set to our pid. So nginx
/// reaches the socket through a group of its own while the program runs without that group, and
/// the socket outlives a restart of the program: nginx's connections wait in its backlog instead
/// of failing with 502.
public enum SystemdSocket {
    /// The first descriptor systemd passes (SD_LISTEN_FDS_START).
    static let firstDescriptor: Int32 = 3

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case notOneSocket(count: String)
        case notListening

        public var description: String {
            switch self {
            case .notOneSocket(let count): "systemd passed LISTEN_FDS=\(count); the unit must have exactly one ListenStream="
            case .notListening: "fd 3 from systemd is not a listening stream socket"
            }
        }
    }

    /// The socket systemd passed to this process, moved off fd 3 and marked close-on-exec (so
    /// that neither our workers nor anything they start inherit it by accident), or nil when this
    /// process was not socket-activated. The variables are removed, as `sd_listen_fds(1)` does, so
    /// that no child mistakes them for its own.
    public static func take(environment: [String: String]) throws(Failure) -> Int32? {
        guard let pid = environment["LISTEN_PID"], pid_t(pid) == getpid() else { return nil }
        defer { for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(name) } }
        let count = environment["LISTEN_FDS"] ?? ""
        guard count == "1" else { throw .notOneSocket(count: count) }
        guard isListeningSocket(firstDescriptor) else { throw .notListening }
        let moved = fcntl(firstDescriptor, F_DUPFD_CLOEXEC, Int32(10))
        guard moved >= 0 else { throw .notListening }
        close(firstDescriptor)
        return moved
    }
}
