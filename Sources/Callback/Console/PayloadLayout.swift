/// The console's view of a stored body (issue 17: "the exact payload, pretty-printed"): JSON laid
/// out one member per line, by moving only the whitespace between tokens, never by parsing and
/// re-encoding, so every string, number and key order is shown exactly as GitHub sent it.
enum PayloadLayout {
    /// Bodies above this are shown as stored (and cut, below): laying out 25 MiB would be a page
    /// no browser wants to render.
    static let layoutLimit = 1 << 20
    static let indent: [UInt8] = Array("  ".utf8)

    /// The body laid out, or nil when it is not one well-nested JSON object or array (a form body,
    /// a truncated one): the caller then shows it as stored.
    static func indented(_ body: [UInt8]) -> [UInt8]? {
        guard body.count <= layoutLimit else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(body.count + body.count / 2)
        var open: [UInt8] = []  // the closing bracket each open one expects
        var depth: Int { open.count }
        var inString = false, escaped = false, started = false, finished = false
        var index = 0
        func newline(_ out: inout [UInt8], _ depth: Int) {
            out.append(UInt8(ascii: "\n"))
            for _ in 0..<depth { out += indent }
        }
        while index < body.count {
            let byte = body[index]
            index += 1
            if inString {
                out.append(byte)
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                continue
            case _ where finished:
                return nil  // something after the closing bracket
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                started = true
                open.append(close)
                out.append(byte)
                // An empty object or array stays on its line.
                var next = index
                while next < body.count, [32, 9, 10, 13].contains(body[next]) { next += 1 }
                if next < body.count, body[next] == close {
                    out.append(close)
                    open.removeLast()
                    index = next + 1
                    finished = depth == 0
                } else {
                    newline(&out, depth)
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard open.last == byte else { return nil }
                open.removeLast()
                newline(&out, depth)
                out.append(byte)
                finished = depth == 0
            case UInt8(ascii: ","):
                guard depth > 0 else { return nil }
                out.append(byte)
                newline(&out, depth)
            case UInt8(ascii: ":"):
                out += [byte, UInt8(ascii: " ")]
            case UInt8(ascii: "\""):
                guard started else { return nil }
                inString = true
                out.append(byte)
            default:
                guard started else { return nil }
                out.append(byte)
            }
        }
        return finished && !inString ? out : nil
    }
}
