/// The CGI response form (RFC 3875, section 6): a `Status:` line, headers, a blank line, the body.
/// Header values are stripped of CR and LF so that no value can inject a header.
public func cgiResponseBytes(_ response: HTTPResponse, includeBody: Bool = true) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(160 + (includeBody ? response.body.count : 0))
    out.append(contentsOf: "Status: \(response.status) \(HTTPResponse.reasonPhrase(response.status))\r\n".utf8)
    for (name, value) in response.headers {
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: ": ".utf8)
        // Bytes, not Characters: "\r\n" is one Character in Swift and would pass a Character filter.
        out.append(contentsOf: value.utf8.lazy.filter { $0 != 0x0D && $0 != 0x0A })
        out.append(contentsOf: "\r\n".utf8)
    }
    out.append(contentsOf: "Content-Length: \(includeBody ? response.body.count : 0)\r\n\r\n".utf8)
    if includeBody { out.append(contentsOf: response.body) }
    return out
}
