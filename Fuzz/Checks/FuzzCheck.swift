import Common

/// A property that must hold for every input a fuzzer can make: `check` returns nil when it holds,
/// else what went wrong. The libFuzzer targets in Fuzz/Targets run one each (`make fuzz`), and
/// `FuzzCorpusTests` runs each over its seed corpus and every crash kept there (`make test`).
///
/// Each check states its rule in its own few lines (what a hex digit or a variable name is) rather
/// than calling the parser's helpers: an oracle that shares the parser's code shares its bugs.
public struct FuzzCheck: Sendable {
    public let name: String
    public let check: @Sendable ([UInt8]) -> String?

    public static let all: [FuzzCheck] = [.signatureHeader, .formDecoding, .payloadSummary, .queryAndCookie, .configFile,
                                           .eventHandlers, .actionFile]
}

/// The body of every `LLVMFuzzerTestOneInput`: a broken property is a crash, which libFuzzer saves.
public func runFuzzCheck(_ fuzzCheck: FuzzCheck, _ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let input = count > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: count)) : []
    if let violation = fuzzCheck.check(input) { fatalError("\(fuzzCheck.name): \(violation)") }
    return 0
}

/// Percent-encodes every byte outside [A-Za-z0-9], so that any byte string survives a form.
func percentEncodeAll(_ bytes: [UInt8]) -> String {
    var out = ""
    for byte in bytes {
        if (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A) {
            out.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
            out += "%" + lowercaseHex([byte])
        }
    }
    return out
}
