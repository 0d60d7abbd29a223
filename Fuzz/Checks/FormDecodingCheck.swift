import Common

extension FuzzCheck {
    /// `application/x-www-form-urlencoded` decoding: refused exactly when a `%` is not followed by
    /// two hex digits; what is decoded survives being encoded again; `value(named:)` is the first
    /// pair of that name.
    public static let formDecoding = FuzzCheck(name: "form-decoding") { input in
        guard let pairs = FormDecoding.pairs(input) else {
            return hasMalformedEscape(input) ? nil : "refused a form without a malformed escape"
        }
        if hasMalformedEscape(input) { return "accepted a malformed escape" }
        let encoded = pairs.map { percentEncodeAll($0.name) + "=" + percentEncodeAll($0.value) }.joined(separator: "&")
        guard let again = FormDecoding.pairs(Array(encoded.utf8)),
              again.map(\.name) == pairs.map(\.name), again.map(\.value) == pairs.map(\.value)
        else { return "pairs encoded again did not decode to the same pairs" }
        if let first = pairs.first, let name = String(validating: first.name, as: UTF8.self),
           FormDecoding.value(named: name, in: input) != first.value {
            return "value(named:) is not the first pair's value"
        }
        return nil
    }

    private static func hasMalformedEscape(_ bytes: [UInt8]) -> Bool {
        func isHex(_ byte: UInt8) -> Bool { (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66) }
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, isHex(bytes[index + 1]), isHex(bytes[index + 2]) else { return true }
                index += 3
            } else {
                index += 1
            }
        }
        return false
    }
}
