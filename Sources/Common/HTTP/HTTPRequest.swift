/// What a handler sees of a request: plain values, no libfcgi. Header names are lower-cased and use
/// `-` (`x-github-event`), whether they came from FastCGI's `HTTP_X_GITHUB_EVENT` or a test.
public struct HTTPRequest: Sendable {
    public var method: String
    public var path: String
    public var query: String
    public var headers: [String: String]
    /// The exact raw bytes, because the signature covers them.
    public var body: [UInt8]
    /// The scheme and port the server took the request on (CGI's REQUEST_SCHEME and SERVER_PORT):
    /// Debian's `fastcgi_params` passes `HTTP_HOST` as nginx's `$host`, without the port.
    public var scheme: String?
    public var serverPort: String?

    public init(method: String, path: String, query: String = "", headers: [String: String] = [:], body: [UInt8] = [],
                scheme: String? = nil, serverPort: String? = nil) {
        self.scheme = scheme
        self.serverPort = serverPort
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}
