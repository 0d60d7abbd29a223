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
/// bounded stack and time, and so that the FastCGI binaries need no Foundation.
public struct JSONParser {
    /// GitHub payloads nest fewer than 10 levels; 512 leaves room and keeps the stack small.
    public static let defaultDepthLimit = 512

    public static func parse(_ bytes: [UInt8], depthLimit: Int = defaultDepthLimit) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
            var parser = Cursor(bytes: buffer, depthLimit: depthLimit)
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            guard parser.offset == buffer.count else { throw .trailingData(offset: parser.offset) }
            return value
        }
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

private struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    let depthLimit: Int
    var offset = 0

    init(bytes: UnsafeBufferPointer<UInt8>, depthLimit: Int) {
        self.bytes = bytes
        self.depthLimit = depthLimit
    }

    mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return
            }
        }
    }

    func peek() throws(JSONParseError) -> UInt8 {
        guard offset < bytes.count else { throw .unexpectedEnd }
        return bytes[offset]
    }

    mutating func expect(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard offset + count <= bytes.count else { throw .unexpectedEnd }
        for index in 0..<count where bytes[offset + index] != literal.utf8Start[index] {
            throw .unexpectedByte(offset: offset + index)
        }
        offset += count
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        switch try peek() {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw .unexpectedByte(offset: offset)
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= depthLimit else { throw .tooDeep(limit: depthLimit) }
        offset += 1  // {
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") { offset += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard try peek() == UInt8(ascii: "\"") else { throw .unexpectedByte(offset: offset) }
            let key = try parseString()
            skipWhitespace()
            guard try peek() == UInt8(ascii: ":") else { throw .unexpectedByte(offset: offset) }
            offset += 1
            skipWhitespace()
            members[key] = try parseValue(depth: depth)  // a repeated key: the last one wins
            skipWhitespace()
            switch try peek() {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "}"): offset += 1; return .object(members)
            default: throw .unexpectedByte(offset: offset)
            }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= depthLimit else { throw .tooDeep(limit: depthLimit) }
        offset += 1  // [
        var items: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") { offset += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            switch try peek() {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "]"): offset += 1; return .array(items)
            default: throw .unexpectedByte(offset: offset)
            }
        }
    }

    mutating func parseNumber() throws(JSONParseError) -> String {
        let start = offset
        if bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        guard offset < bytes.count else { throw .unexpectedEnd }
        if bytes[offset] == UInt8(ascii: "0") {
            offset += 1
        } else {
            guard try consumeDigits() > 0 else { throw .unexpectedByte(offset: offset) }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            guard try consumeDigits() > 0 else { throw .unexpectedByte(offset: offset) }
        }
        if offset < bytes.count, bytes[offset] | 0x20 == UInt8(ascii: "e") {
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") {
                offset += 1
            }
            guard try consumeDigits() > 0 else { throw .unexpectedByte(offset: offset) }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
    }

    mutating func consumeDigits() throws(JSONParseError) -> Int {
        let start = offset
        while offset < bytes.count, bytes[offset] >= UInt8(ascii: "0"), bytes[offset] <= UInt8(ascii: "9") {
            offset += 1
        }
        return offset - start
    }

    mutating func parseString() throws(JSONParseError) -> String {
        offset += 1  // opening quote
        let start = offset
        // Fast path: no escapes, which is nearly every string in a payload.
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<offset])
                guard let text = String(validating: raw, as: UTF8.self) else { throw .invalidUTF8(offset: start) }
                offset += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw .unexpectedByte(offset: offset) }
            offset += 1
        }
        guard offset < bytes.count else { throw .unexpectedEnd }
        return try parseEscapedString(from: start)
    }

    mutating func parseEscapedString(from start: Int) throws(JSONParseError) -> String {
        var decoded: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<offset]))
        while true {
            guard offset < bytes.count else { throw .unexpectedEnd }
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                guard let text = String(validating: decoded, as: UTF8.self) else { throw .invalidUTF8(offset: start) }
                return text
            case UInt8(ascii: "\\"):
                offset += 1
                guard offset < bytes.count else { throw .unexpectedEnd }
                let escape = bytes[offset]
                offset += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape(to: &decoded)
                default: throw .unexpectedByte(offset: offset - 1)
                }
            default:
                if byte < 0x20 { throw .unexpectedByte(offset: offset) }
                decoded.append(byte)
                offset += 1
            }
        }
    }

    mutating func appendUnicodeEscape(to decoded: inout [UInt8]) throws(JSONParseError) {
        var scalar = try parseHex4()
        if (0xD800...0xDBFF).contains(scalar) {
            // A high surrogate must be followed by an escaped low surrogate (RFC 8259, section 7).
            guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u")
            else { throw .invalidUTF8(offset: offset) }
            offset += 2
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw .invalidUTF8(offset: offset) }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw .invalidUTF8(offset: offset)
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw .invalidUTF8(offset: offset) }
        decoded.append(contentsOf: Array(String(Character(unicode)).utf8))
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw .unexpectedEnd }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = hexDigitValue(bytes[offset]) else { throw .unexpectedByte(offset: offset) }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }
}
