/// The CGI response form (RFC 3875, section 6): a `Status:` line, headers, a blank line, the body.
/// Header values are stripped of CR and LF so that no value can inject a header.
public func cgiResponseBytes(_ response: HTTPResponse, includeBody: Bool = true) -> [UInt8] {
    var head = "Status: \(response.status) \(HTTPResponse.reasonPhrase(response.status))\r\n"
    for (name, value) in response.headers {
        // Scalars, not Characters: "\r\n" is one Character in Swift and would pass a Character filter.
        var safeValue = String.UnicodeScalarView()
        safeValue.append(contentsOf: value.unicodeScalars.filter { $0 != "\r" && $0 != "\n" })
        head += name + ": " + String(safeValue) + "\r\n"
    }
    head += "Content-Length: \(includeBody ? response.body.count : 0)\r\n\r\n"
    return Array(head.utf8) + (includeBody ? response.body : [])
}
