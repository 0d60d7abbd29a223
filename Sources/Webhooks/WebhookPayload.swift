import Common

/// The two body encodings GitHub uses (GITHUB.md, section 1): JSON, where the body is the payload,
/// and form, where the body is `payload=<URL-encoded JSON>`. The signature covers the raw body in
/// both cases; this decodes it only afterwards, for the handlers.
enum PayloadEncoding: String {
    case json = "application/json"
    case form = "application/x-www-form-urlencoded"

    init?(contentType: String?) {
        guard let type = mediaType(of: contentType), let encoding = PayloadEncoding(rawValue: type) else { return nil }
        self = encoding
    }
}

/// The payload as a JSON object, or why it is not one.
func decodePayload(_ body: [UInt8], encoding: PayloadEncoding) throws(IntakeError) -> JSONNode {
    let json: [UInt8]
    switch encoding {
    case .json:
        json = body
    case .form:
        guard let field = FormDecoding.value(named: "payload", in: body) else {
            throw .invalidPayload("form body has no payload field")
        }
        json = field
    }
    let root: JSONNode
    do {
        root = try JSONDocument(parsing: json).root
    } catch {
        throw .invalidPayload("body is not valid JSON (\(error))")
    }
    guard root.isObject else { throw .invalidPayload("body is not a JSON object") }
    return root
}
