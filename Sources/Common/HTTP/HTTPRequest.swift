/// What a handler sees of a request: plain values, no libfcgi. Header names are lower-cased and use
/// `-` (`x-github-event`), whether they came from FastCGI's `HTTP_X_GITHUB_EVENT` or a test.
public struct HTTPRequest: Sendable {
    public var method: String
    public var path: String
    public var query: String
    public var headers: [String: String]
    /// The exact raw bytes, because the signature covers them.
    public var body: [UInt8]

    public init(method: String, path: String, query: String = "", headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}
