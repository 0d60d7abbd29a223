/// `application/x-www-form-urlencoded` (WHATWG URL standard): `name=value` pairs joined by `&`,
/// `+` for a space and `%XX` escapes. Used for GitHub's form deliveries (`payload=<JSON>`) and for
/// query strings.
public enum FormDecoding {
    /// All pairs in order; nil when an escape is malformed. Names without `=` get an empty value.
    public static func pairs(_ bytes: [UInt8]) -> [(name: [UInt8], value: [UInt8])]? {
        var result: [(name: [UInt8], value: [UInt8])] = []
        for field in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = field.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecode(parts[0]) else { return nil }
            guard let value = parts.count > 1 ? percentDecode(parts[1]) : [] else { return nil }
            result.append((name, value))
        }
        return result
    }

    /// The decoded value of the first field named `name`, or nil if absent or malformed.
    public static func value(named name: String, in bytes: [UInt8]) -> [UInt8]? {
        let wanted = Array(name.utf8)
        return pairs(bytes)?.first { $0.name == wanted }?.value
    }

    /// Query-string parameters as text (invalid UTF-8 repaired), first occurrence wins.
    public static func parameters(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in pairs(Array(query.utf8)) ?? [] {
            let name = String(decoding: pair.name, as: UTF8.self)
            if result[name] == nil { result[name] = String(decoding: pair.value, as: UTF8.self) }
        }
        return result
    }

    public static func percentDecode<Bytes: Collection>(_ bytes: Bytes) -> [UInt8]? where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                let first = bytes.index(after: index)
                guard first != bytes.endIndex else { return nil }
                let second = bytes.index(after: first)
                guard second != bytes.endIndex, let high = hexDigitValue(bytes[first]), let low = hexDigitValue(bytes[second])
                else { return nil }
                out.append(high << 4 | low)
                index = second
            } else {
                out.append(byte)
            }
            index = bytes.index(after: index)
        }
        return out
    }

    /// RFC 3986 unreserved characters pass; everything else is %XX (a query value, a form field).
    public static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
