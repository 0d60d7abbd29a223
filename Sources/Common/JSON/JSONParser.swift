/// Why a body is not acceptable JSON. The description names the problem and the byte offset.
public enum JSONParseError: Error, Equatable, CustomStringConvertible {
    case unexpectedEnd
    case unexpectedByte(offset: Int)
    case invalidUTF8(offset: Int)
    case tooDeep(limit: Int)
    case trailingData(offset: Int)

    public var description: String {
        switch self {
        case .unexpectedEnd: "unexpected end of input"
        case .unexpectedByte(let offset): "unexpected character at byte \(offset)"
        case .invalidUTF8(let offset): "invalid UTF-8 in a string at byte \(offset)"
        case .tooDeep(let limit): "nested deeper than \(limit) levels"
        case .trailingData(let offset): "unexpected data after the document at byte \(offset)"
        }
    }
}

/// A strict RFC 8259 parser over raw bytes. It is ours rather than Foundation's so that hostile
/// bodies (100,000 nested brackets, invalid UTF-8, huge numbers) are refused with a clear error in
/// bounded stack and time, and so that the FastCGI binaries need no Foundation. It builds a
/// `JSONDocument` (the one parser) and materializes it as a `JSONValue` tree.
public enum JSONParser {
    /// GitHub payloads nest fewer than 10 levels; 512 leaves room and keeps the stack small.
    public static let defaultDepthLimit = 512

    public static func parse(_ bytes: [UInt8], depthLimit: Int = defaultDepthLimit) throws(JSONParseError) -> JSONValue {
        try JSONDocument(parsing: bytes, depthLimit: depthLimit).root.value
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}
