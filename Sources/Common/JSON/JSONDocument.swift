import Glibc

/// A parsed JSON document kept as its raw bytes plus a *tape*: one entry per value, in document
/// order, recording its kind and byte range (and, for arrays and objects, where the next sibling
/// starts). Parsing validates everything (structure, numbers, escapes, UTF-8) but allocates
/// nothing per value; a string is decoded only when someone reads it. The intake reads four fields
/// of a 7 KB payload and the handlers a dozen more, so building a full tree of `String`s and
/// containers was most of the intake's CPU time (bench: `hubsync-bench micro`).
public final class JSONDocument: Sendable {
    let bytes: [UInt8]
    let tape: [TapeEntry]

    public init(parsing bytes: [UInt8], depthLimit: Int = JSONParser.defaultDepthLimit) throws(JSONParseError) {
        self.bytes = bytes
        tape = try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> [TapeEntry] in
            var builder = TapeBuilder(bytes: buffer, depthLimit: depthLimit)
            builder.skipWhitespace()
            try builder.parseValue(depth: 0)
            builder.skipWhitespace()
            guard builder.offset == buffer.count else { throw .trailingData(offset: builder.offset) }
            return builder.tape
        }
    }

    public var root: JSONNode { JSONNode(document: self, index: 0) }
}

enum TapeKind: UInt8 {
    case object, array, string, escapedString, number, `true`, `false`, null
}

struct TapeEntry {
    var kind: TapeKind
    /// Byte range: a string's contents between its quotes, a number's or literal's text.
    var start: UInt32
    var end: UInt32
    /// The tape index after this value and everything inside it.
    var next: UInt32
}

/// A value inside a `JSONDocument`, read on demand.
public struct JSONNode: Sendable {
    let document: JSONDocument
    let index: Int

    private var entry: TapeEntry { document.tape[index] }

    public var isObject: Bool { entry.kind == .object }
    public var isArray: Bool { entry.kind == .array }
    public var isNull: Bool { entry.kind == .null }

    /// The member `key` of an object (the last one if repeated); nil for a missing member or a
    /// value that is no object. Keys are compared as bytes, without building strings.
    public subscript(key: String) -> JSONNode? {
        guard entry.kind == .object else { return nil }
        var wanted = key
        return wanted.withUTF8 { wantedBytes -> JSONNode? in
            var found: Int?
            var position = index + 1
            let end = Int(entry.next)
            while position < end {
                let keyEntry = document.tape[position]
                if keyMatches(keyEntry, wantedBytes) { found = position + 1 }
                position = Int(document.tape[position + 1].next)
            }
            return found.map { JSONNode(document: document, index: $0) }
        }
    }

    private func keyMatches(_ keyEntry: TapeEntry, _ wanted: UnsafeBufferPointer<UInt8>) -> Bool {
        if keyEntry.kind == .escapedString { return decodeString(keyEntry) == String(decoding: wanted, as: UTF8.self) }
        let length = Int(keyEntry.end - keyEntry.start)
        guard length == wanted.count else { return false }
        return document.bytes.withUnsafeBufferPointer { bytes in
            length == 0 || memcmp(bytes.baseAddress! + Int(keyEntry.start), wanted.baseAddress!, length) == 0
        }
    }

    public var stringValue: String? {
        switch entry.kind {
        case .string:
            return document.bytes.withUnsafeBufferPointer { bytes in
                // Validated as UTF-8 while parsing.
                String(decoding: UnsafeBufferPointer(rebasing: bytes[Int(entry.start)..<Int(entry.end)]), as: UTF8.self)
            }
        case .escapedString: return decodeString(entry)
        default: return nil
        }
    }

    public var boolValue: Bool? {
        switch entry.kind {
        case .true: true
        case .false: false
        default: nil
        }
    }

    /// A number's source text, so ids beyond 2^53 survive.
    public var numberText: String? {
        guard entry.kind == .number else { return nil }
        return String(decoding: document.bytes[Int(entry.start)..<Int(entry.end)], as: UTF8.self)
    }

    public var int64Value: Int64? { numberText.flatMap { Int64($0) } }
    public var doubleValue: Double? { numberText.flatMap { Double($0) } }

    /// The elements of an array; nil for anything else.
    public var arrayValue: [JSONNode]? {
        guard entry.kind == .array else { return nil }
        var elements: [JSONNode] = []
        var position = index + 1
        while position < Int(entry.next) {
            elements.append(JSONNode(document: document, index: position))
            position = Int(document.tape[position].next)
        }
        return elements
    }

    /// Members of an object in document order (a repeated key appears each time).
    public var members: [(key: String, value: JSONNode)]? {
        guard entry.kind == .object else { return nil }
        var result: [(key: String, value: JSONNode)] = []
        var position = index + 1
        while position < Int(entry.next) {
            let key = JSONNode(document: document, index: position).stringValue ?? ""
            result.append((key, JSONNode(document: document, index: position + 1)))
            position = Int(document.tape[position + 1].next)
        }
        return result
    }

    /// This value and everything inside it as a `JSONValue` tree.
    public var value: JSONValue {
        switch entry.kind {
        case .object:
            return .object(JSONObject((members ?? []).map { (key: $0.key, value: $0.value.value) }))
        case .array: return .array((arrayValue ?? []).map(\.value))
        case .string, .escapedString: return .string(stringValue ?? "")
        case .number: return .number(numberText ?? "0")
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .null: return .null
        }
    }

    private func decodeString(_ entry: TapeEntry) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(Int(entry.end - entry.start))
        var position = Int(entry.start)
        let bytes = document.bytes
        while position < Int(entry.end) {
            let byte = bytes[position]
            guard byte == UInt8(ascii: "\\") else { decoded.append(byte); position += 1; continue }
            let escape = bytes[position + 1]
            position += 2
            switch escape {
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(bytes, position)
                position += 4
                if (0xD800...0xDBFF).contains(scalar) {  // validated: an escaped low surrogate follows
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (hex4(bytes, position + 2) - 0xDC00)
                    position += 6
                }
                decoded.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default: decoded.append(escape)  // " \ /
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    private func hex4(_ bytes: [UInt8], _ position: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { value, offset in value << 4 | UInt32(hexDigitValue(bytes[position + offset]) ?? 0) }
    }
}

extension Optional where Wrapped == JSONNode {
    /// Member access through optionals: `payload["repository"]["full_name"]`.
    public subscript(key: String) -> JSONNode? { self?[key] }
}

/// One validating pass over the bytes that appends tape entries.
private struct TapeBuilder {
    let bytes: UnsafeBufferPointer<UInt8>
    let depthLimit: Int
    var offset = 0
    var tape: [TapeEntry] = []

    init(bytes: UnsafeBufferPointer<UInt8>, depthLimit: Int) {
        self.bytes = bytes
        self.depthLimit = depthLimit
        tape.reserveCapacity(bytes.count / 12 + 4)
    }

    mutating func skipWhitespace() {
        // GitHub pretty-prints its bodies: indentation comes in runs of spaces, skipped a word at a time.
        while offset + 8 <= bytes.count, word(at: offset) == 0x2020_2020_2020_2020 { offset += 8 }
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

    mutating func append(_ kind: TapeKind, _ start: Int, _ end: Int) {
        tape.append(TapeEntry(kind: kind, start: UInt32(start), end: UInt32(end), next: UInt32(tape.count + 1)))
    }

    mutating func literal(_ text: StaticString, _ kind: TapeKind) throws(JSONParseError) {
        let count = text.utf8CodeUnitCount
        guard offset + count <= bytes.count else { throw .unexpectedEnd }
        for index in 0..<count where bytes[offset + index] != text.utf8Start[index] {
            throw .unexpectedByte(offset: offset + index)
        }
        append(kind, offset, offset + count)
        offset += count
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) {
        switch try peek() {
        case UInt8(ascii: "{"): try parseContainer(.object, depth: depth + 1)
        case UInt8(ascii: "["): try parseContainer(.array, depth: depth + 1)
        case UInt8(ascii: "\""): try parseString()
        case UInt8(ascii: "t"): try literal("true", .true)
        case UInt8(ascii: "f"): try literal("false", .false)
        case UInt8(ascii: "n"): try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try parseNumber()
        default: throw .unexpectedByte(offset: offset)
        }
    }

    mutating func parseContainer(_ kind: TapeKind, depth: Int) throws(JSONParseError) {
        guard depth <= depthLimit else { throw .tooDeep(limit: depthLimit) }
        let containerIndex = tape.count
        append(kind, offset, offset)
        let closing = kind == .object ? UInt8(ascii: "}") : UInt8(ascii: "]")
        offset += 1
        skipWhitespace()
        if try peek() == closing {
            offset += 1
        } else {
            while true {
                skipWhitespace()
                if kind == .object {
                    guard try peek() == UInt8(ascii: "\"") else { throw .unexpectedByte(offset: offset) }
                    try parseString()
                    skipWhitespace()
                    guard try peek() == UInt8(ascii: ":") else { throw .unexpectedByte(offset: offset) }
                    offset += 1
                    skipWhitespace()
                }
                try parseValue(depth: depth)
                skipWhitespace()
                let separator = try peek()
                offset += 1
                if separator == closing { break }
                guard separator == UInt8(ascii: ",") else { throw .unexpectedByte(offset: offset - 1) }
            }
        }
        tape[containerIndex].end = UInt32(offset)
        tape[containerIndex].next = UInt32(tape.count)
    }

    mutating func parseNumber() throws(JSONParseError) {
        let start = offset
        if bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        guard offset < bytes.count else { throw .unexpectedEnd }
        if bytes[offset] == UInt8(ascii: "0") {
            offset += 1
        } else {
            guard consumeDigits() > 0 else { throw .unexpectedByte(offset: offset) }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            guard consumeDigits() > 0 else { throw offset < bytes.count ? .unexpectedByte(offset: offset) : .unexpectedEnd }
        }
        if offset < bytes.count, bytes[offset] | 0x20 == UInt8(ascii: "e") {
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") { offset += 1 }
            guard consumeDigits() > 0 else { throw offset < bytes.count ? .unexpectedByte(offset: offset) : .unexpectedEnd }
        }
        append(.number, start, offset)
    }

    mutating func consumeDigits() -> Int {
        let start = offset
        while offset < bytes.count, bytes[offset] &- UInt8(ascii: "0") < 10 { offset += 1 }
        return offset - start
    }

    /// Validates a string (escapes, control characters, UTF-8) and records its contents' range.
    /// Runs of plain ASCII are passed eight bytes at a time: a word with no quote, backslash,
    /// control character or byte from 0x80 up needs no look at each byte (most of a payload's
    /// bytes are in such runs: URLs, names, shas).
    mutating func parseString() throws(JSONParseError) {
        offset += 1  // opening quote
        let start = offset
        var hasEscapes = false
        var isASCII = true
        while true {
            while offset + 8 <= bytes.count, isPlainASCII(word(at: offset)) { offset += 8 }
            guard offset < bytes.count else { throw .unexpectedEnd }
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                try validateEscape()
                continue
            }
            if byte < 0x20 { throw .unexpectedByte(offset: offset) }
            if byte >= 0x80 { isASCII = false }
            offset += 1
        }
        if !isASCII, !isValidUTF8(UnsafeBufferPointer(rebasing: bytes[start..<offset])) { throw .invalidUTF8(offset: start) }
        append(hasEscapes ? .escapedString : .string, start, offset)
        offset += 1  // closing quote
    }

    /// The eight bytes at `index` (the caller checked that they exist), in memory order.
    func word(at index: Int) -> UInt64 {
        UnsafeRawPointer(bytes.baseAddress!).loadUnaligned(fromByteOffset: index, as: UInt64.self)
    }

    mutating func validateEscape() throws(JSONParseError) {
        offset += 1
        guard offset < bytes.count else { throw .unexpectedEnd }
        let escape = bytes[offset]
        offset += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return
        case UInt8(ascii: "u"):
            let scalar = try hex4()
            if (0xDC00...0xDFFF).contains(scalar) { throw .invalidUTF8(offset: offset) }
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate (RFC 8259, section 7).
                guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u")
                else { throw .invalidUTF8(offset: offset) }
                offset += 2
                guard (0xDC00...0xDFFF).contains(try hex4()) else { throw .invalidUTF8(offset: offset) }
            }
        default:
            throw .unexpectedByte(offset: offset - 1)
        }
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
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

/// True when no byte of `word` is a quote, a backslash, below 0x20 or from 0x80 up: SWAR tests
/// ("Bit Twiddling Hacks", haszero and hasless), each exact for "is there any such byte".
@inline(__always)
func isPlainASCII(_ word: UInt64) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highBits: UInt64 = 0x8080_8080_8080_8080
    func hasZeroByte(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highBits }
    let quote = hasZeroByte(word ^ (ones &* 0x22))
    let backslash = hasZeroByte(word ^ (ones &* 0x5C))
    let control = (word &- ones &* 0x20) & ~word & highBits
    return quote | backslash | control | (word & highBits) == 0
}

/// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing above U+10FFFF.
func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var index = 0
    let count = bytes.count
    while index < count {
        let lead = bytes[index]
        if lead < 0x80 { index += 1; continue }
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: return false
        }
        guard index + length <= count else { return false }
        guard bytes[index + 1] >= lower && bytes[index + 1] <= upper else { return false }
        for continuation in 2..<max(2, length) where bytes[index + continuation] & 0xC0 != 0x80 { return false }
        index += length
    }
    return true
}
