import Glibc

/// Plain CGI (RFC 3875): one request from the environment and stdin, the answer on stdout, then
/// exit. The same program runs this way when started without a listening socket on fd 0, which
/// also makes it a test harness (docs/stack-notes.md, fact 6).
enum CGIGateway {
    static func serveOne(_ cycle: RequestCycle, environment: [String: String]) {
        cycle.run(
            parameters: environment,
            readBody: { count in readAll(fd: 0, upTo: count) },
            drain: { var scratch = [UInt8](repeating: 0, count: 65536); while Glibc.read(0, &scratch, scratch.count) > 0 {} },
            write: { bytes in writeAll(fd: 1, bytes) },
            finish: {})
    }
}

/// Reads up to `count` bytes from `fd`, fewer only at end of input.
func readAll(fd: Int32, upTo count: Int) -> [UInt8] {
    guard count > 0 else { return [] }
    var bytes = [UInt8](repeating: 0, count: count)
    var received = 0
    bytes.withUnsafeMutableBytes { buffer in
        while received < count {
            let got = Glibc.read(fd, buffer.baseAddress! + received, count - received)
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            received += got
        }
    }
    if received < count { bytes.removeSubrange(received...) }
    return bytes
}

func writeAll(fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
