/// Turns CGI/FastCGI parameters (RFC 3875) into an `HTTPRequest`: `HTTP_X_GITHUB_EVENT` becomes
/// the header `x-github-event`, `CONTENT_TYPE` and `CONTENT_LENGTH` become `content-type` and
/// `content-length`. nginx passes `REQUEST_METHOD`, `DOCUMENT_URI` and `QUERY_STRING` only through
/// `fastcgi_params` (docs/stack-notes.md, fact 8), which our configuration includes.
public enum CGIParameters {
    public static func request(from parameters: [String: String], body: [UInt8]) -> HTTPRequest {
        var headers: [String: String] = [:]
        headers.reserveCapacity(16)
        for (name, value) in parameters {
            if name.hasPrefix("HTTP_") {
                headers[headerName(name.dropFirst(5))] = value
            } else if name == "CONTENT_TYPE" || name == "CONTENT_LENGTH" {
                if !value.isEmpty { headers[headerName(Substring(name))] = value }
            }
        }
        let uri = parameters["DOCUMENT_URI"] ?? parameters["SCRIPT_NAME"] ?? parameters["REQUEST_URI"] ?? "/"
        let path = String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "/")
        return HTTPRequest(
            method: parameters["REQUEST_METHOD"] ?? "GET", path: path.isEmpty ? "/" : path,
            query: parameters["QUERY_STRING"] ?? "", headers: headers, body: body,
            scheme: parameters["REQUEST_SCHEME"], serverPort: parameters["SERVER_PORT"])
    }

    /// The body length announced by `CONTENT_LENGTH`: 0 when absent, nil when malformed.
    public static func contentLength(_ parameters: [String: String]) -> Int? {
        guard let text = parameters["CONTENT_LENGTH"], !text.isEmpty else { return 0 }
        guard text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), text.utf8.count <= 18, let length = Int(text) else { return nil }
        return length
    }

    /// `X_GITHUB_EVENT` -> `x-github-event`, byte by byte (ASCII only, as CGI names are).
    private static func headerName(_ name: Substring) -> String {
        var bytes = Array(name.utf8)
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == UInt8(ascii: "_") { bytes[index] = UInt8(ascii: "-") }
            else if byte >= 65 && byte <= 90 { bytes[index] = byte + 32 }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
