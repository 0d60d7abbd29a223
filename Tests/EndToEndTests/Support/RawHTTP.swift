import Foundation

/// An HTTP/1.1 answer as read off the wire.
struct HTTPResult {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    /// Each `Set-Cookie`'s name and value (`headers` keeps the last header of a name only).
    var cookies: [String: String] = [:]

    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A deliberately small HTTP client over a plain TCP socket, so that tests decide every byte sent
/// (lying Content-Length, odd headers) and see exactly what nginx answers.
enum RawHTTP {
    static func request(port: UInt16, method: String = "POST", path: String, headers: [(String, String)] = [],
                        body: [UInt8] = [], contentLength: Int? = nil) throws -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if method != "GET" || !body.isEmpty { head += "Content-Length: \(contentLength ?? body.count)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    static func connect(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { close(fd); throw TestFailure("connect to \(port): errno \(errno)") }
        return fd
    }

    static func write(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
            guard written > 0 else { throw TestFailure("write failed: errno \(errno)") }
            offset += written
        }
    }

    /// Reads until the server closes the connection, then parses the response.
    static func readResponse(_ fd: Int32) throws -> HTTPResult {
        defer { close(fd) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = Glibc.read(fd, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return try parse(data)
    }

    static func send(port: UInt16, method: String = "POST", path: String, headers: [(String, String)] = [],
                     body: [UInt8] = []) throws -> HTTPResult {
        let fd = try connect(port: port)
        try write(fd, try request(port: port, method: method, path: path, headers: headers, body: body))
        return try readResponse(fd)
    }

    static func parse(_ data: [UInt8]) throws -> HTTPResult {
        guard let split = data.firstRange(of: Array("\r\n\r\n".utf8)) else {
            throw TestFailure("no HTTP response (\(data.count) bytes)")
        }
        let head = String(decoding: data[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw TestFailure("bad status line \(head[0])") }
        var headers: [String: String] = [:]
        var cookies: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased(), value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = value
            if name == "set-cookie", let pair = value.split(separator: ";").first, let equals = pair.firstIndex(of: "=") {
                cookies[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
        }
        var body = Array(data[split.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return HTTPResult(status: status, headers: headers, body: body, cookies: cookies)
    }

    private static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let lineEnd = bytes[index...].firstRange(of: Array("\r\n".utf8)) else { break }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";")[0], radix: 16), size > 0 else { break }
            out.append(contentsOf: bytes[lineEnd.upperBound..<min(bytes.count, lineEnd.upperBound + size)])
            index = lineEnd.upperBound + size + 2
        }
        return out
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
