import Common
import Glibc
internal import CCurl

/// One libcurl easy handle: the only file that touches CURL pointers. Reusing the handle keeps the
/// connection (and its TLS session) open between calls. Used by one thread at a time.
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer  // CURL* (a void typedef)

    struct Response {
        var status: Int
        var headers: [String: String]  // names lower-cased; the last of a repeated header wins
        var body: [UInt8]
    }

    init() throws(GitHubError) {
        CurlEasy.initializeOnce
        guard let handle = curl_easy_init() else { throw .network("cannot create a libcurl handle") }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    /// `curl_global_init` is not thread-safe; run it once per process, before any handle exists.
    private static let initializeOnce: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// What a call may do beyond its own URL. GitHub redirects renamed resources (301/302/307,
    /// docs/github-protocol.md section 12), which only GETs follow: a redirected POST or PATCH
    /// would carry its body (a client secret, a refresh token) to wherever the answer points.
    /// Redirects use `redirectProtocols` only (https, or http too for a loopback test server), and
    /// an answer over `maxResponseBytes` is cut off with an error instead of filling memory.
    struct Limits {
        var followsRedirects: Bool
        var redirectProtocols: String
        var maxResponseBytes: Int
    }

    func perform(method: String, url: String, headers: [String], body: [UInt8]?, connectTimeoutMilliseconds: Int,
                 totalTimeoutMilliseconds: Int, limits: Limits) throws(GitHubError) -> Response {
        curl_easy_reset(handle)  // options of the previous call must not leak into this one
        let collector = Collector(maxBodyBytes: limits.maxResponseBytes)
        let context = Unmanaged.passUnretained(collector).toOpaque()
        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }

        var code = ccurl_setopt_string(handle, CURLOPT_URL, url)
        code = code == CURLE_OK ? ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, list) : code
        code = code == CURLE_OK ? ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, connectTimeoutMilliseconds) : code
        code = code == CURLE_OK ? ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, totalTimeoutMilliseconds) : code
        // TLS verification stays on (libcurl's default); say so, so that no later change can flip it.
        code = code == CURLE_OK ? ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1) : code
        code = code == CURLE_OK ? ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2) : code
        code = code == CURLE_OK ? ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https") : code
        code = code == CURLE_OK ? ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, limits.followsRedirects ? 1 : 0) : code
        code = code == CURLE_OK ? ccurl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, limits.redirectProtocols) : code
        code = code == CURLE_OK ? ccurl_setopt_long(handle, CURLOPT_MAXREDIRS, 5) : code
        code = code == CURLE_OK ? ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1) : code
        code = code == CURLE_OK ? ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method) : code
        code = code == CURLE_OK ? ccurl_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, { data, size, count, context in
            let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
            guard collector.body.count + size * count <= collector.maxBodyBytes else {
                collector.isOverLimit = true
                return 0  // libcurl stops with CURLE_WRITE_ERROR
            }
            collector.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }) : code
        code = code == CURLE_OK ? ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context) : code
        code = code == CURLE_OK ? ccurl_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, { data, size, count, context in
            let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
            collector.headerBytes += size * count
            guard collector.headerBytes <= Collector.maxHeaderBytes else {
                collector.isOverLimit = true
                return 0
            }
            collector.addHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }) : code
        code = code == CURLE_OK ? ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context) : code
        guard code == CURLE_OK else { throw .network(String(cString: curl_easy_strerror(code))) }

        let result: CURLcode
        if let body {
            result = body.withUnsafeBytes { bytes in
                var setup = ccurl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
                if setup == CURLE_OK {
                    setup = ccurl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
                }
                return setup == CURLE_OK ? curl_easy_perform(handle) : setup
            }
        } else {
            result = curl_easy_perform(handle)
        }
        guard result == CURLE_OK else {
            if result == CURLE_OPERATION_TIMEDOUT { throw .timedOut }
            if collector.isOverLimit {
                throw .invalidResponse("an answer larger than \(limits.maxResponseBytes) bytes (or its headers over \(Collector.maxHeaderBytes)); refused")
            }
            throw .network(String(cString: curl_easy_strerror(result)))
        }
        var status = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return Response(status: status, headers: collector.headers, body: collector.body)
    }
}

private final class Collector {
    static let maxHeaderBytes = 256 * 1024
    let maxBodyBytes: Int
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    var headerBytes = 0
    var isOverLimit = false

    init(maxBodyBytes: Int) { self.maxBodyBytes = maxBodyBytes }

    /// One header line as bytes: `"\r\n"` is a single Character in Swift, so trimming characters
    /// would leave it on every value (a rate-limit header then read "0\r\n", not "0").
    func addHeaderLine(_ raw: UnsafeRawBufferPointer) {
        var bytes = Array(raw)
        while let last = bytes.last, last == 0x0D || last == 0x0A || last == 0x20 || last == 0x09 { bytes.removeLast() }
        // A new status line (after a redirect or a 100 Continue) starts a new set of headers.
        if bytes.starts(with: Array("HTTP/".utf8)) { headers = [:]; return }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return }
        var valueStart = colon + 1
        while valueStart < bytes.count, bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09 { valueStart += 1 }
        let name = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
        headers[name] = String(decoding: bytes[valueStart...], as: UTF8.self)
    }
}
