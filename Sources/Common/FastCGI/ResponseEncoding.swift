/// The CGI response form (RFC 3875, section 6): a `Status:` line, headers, a blank line, the body.
/// Header values are stripped of CR and LF so that no value can inject a header.
public func cgiResponseBytes(_ response: HTTPResponse, includeBody: Bool = true) -> [UInt8] {
    var head = "Status: \(response.status) \(HTTPResponse.reasonPhrase(response.status))\r\n"
    for (name, value) in response.headers {
        head += name + ": " + String(value.filter { $0 != "\r" && $0 != "\n" }) + "\r\n"
    }
    head += "Content-Length: \(includeBody ? response.body.count : 0)\r\n\r\n"
    return Array(head.utf8) + (includeBody ? response.body : [])
}
