import Glibc

/// Where a FastCGI program listens: `--socket PATH` (unix) or `--socket 127.0.0.1:PORT`.
public enum SocketAddress: Equatable, Sendable {
    case unix(path: String)
    case tcp(host: String, port: UInt16)

    /// `127.0.0.1:9000` or `localhost:9000` is TCP; anything else is a unix socket path
    /// (absolute or relative).
    public init?(_ text: String) {
        guard !text.isEmpty else { return nil }
        if let colon = text.lastIndex(of: ":"), !text.contains("/") {
            var host = String(text[..<colon])
            if host == "localhost" { host = "127.0.0.1" }
            guard let port = UInt16(text[text.index(after: colon)...]), port > 0, !host.isEmpty,
                  inet_addr(host) != INADDR_NONE
            else { return nil }
            self = .tcp(host: host, port: port)
            return
        }
        self = .unix(path: text)
    }
}

public struct SocketError: Error, CustomStringConvertible {
    public let description: String
}

/// Binds and listens. A unix socket gets an explicit mode (and group), because nginx workers run as
/// another user and answer 502 when they cannot connect (docs/stack-notes.md, fact 7).
public func openListeningSocket(_ address: SocketAddress, mode: mode_t, group: String?, backlog: Int32 = 1024) throws -> Int32 {
    switch address {
    case .unix(let path):
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(description: "socket: \(errnoText())") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw SocketError(description: "socket path is too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        unlink(path)  // a stale socket from an earlier run
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { close(fd); throw SocketError(description: "bind \(path): \(errnoText())") }
        if let group {
            guard let entry = getgrnam(group) else { close(fd); throw SocketError(description: "unknown group \(group)") }
            guard chown(path, uid_t.max, entry.pointee.gr_gid) == 0 else {
                close(fd)
                throw SocketError(description: "chown \(path): \(errnoText())")
            }
        }
        guard chmod(path, mode) == 0 else { close(fd); throw SocketError(description: "chmod \(path): \(errnoText())") }
        guard listen(fd, backlog) == 0 else { close(fd); throw SocketError(description: "listen: \(errnoText())") }
        return fd
    case .tcp(let host, let port):
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(description: "socket: \(errnoText())") }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr(host)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { close(fd); throw SocketError(description: "bind \(host):\(port): \(errnoText())") }
        guard listen(fd, backlog) == 0 else { close(fd); throw SocketError(description: "listen: \(errnoText())") }
        return fd
    }
}

/// True when `fd` is a listening socket: how an inherited socket (spawn-fcgi, systemd socket
/// activation, our supervisor) is told apart from CGI's stdin.
public func isListeningSocket(_ fd: Int32) -> Bool {
    var accepting: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0 && accepting != 0
}

func errnoText() -> String { String(cString: strerror(errno)) }
