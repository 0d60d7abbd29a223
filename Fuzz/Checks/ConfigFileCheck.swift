import Common

extension FuzzCheck {
    /// The env-style configuration file: every key read is a valid variable name, and values
    /// written back in double quotes (with `\\`, `\"` and `\n` escaped) read back the same.
    public static let configFile = FuzzCheck(name: "config-file") { input in
        guard let text = String(validating: input, as: UTF8.self) else { return nil }  // load() refuses it before parsing
        let values: [String: String]
        do { values = try EnvFile.parse(text, path: "fuzz.env") } catch { return nil }
        for key in values.keys where !isVariableName(key) { return "read an invalid name \(key.debugDescription)" }
        // Non-ASCII text may combine with the quote around it into one Character; the rule is
        // checked on ASCII values, where a quote is always a quote.
        let ascii = values.filter { $0.value.unicodeScalars.allSatisfy(\.isASCII) }
        let written = ascii.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(escaped($0.value))\"" }.joined(separator: "\n")
        guard let reread = try? EnvFile.parse(written, path: "fuzz.env"), reread == ascii else {
            return "values written back in quotes did not read back the same"
        }
        return nil
    }

    private static func isVariableName(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "_") || (first | 0x20) >= 0x61 && (first | 0x20) <= 0x7A else { return false }
        return bytes.allSatisfy { $0 == UInt8(ascii: "_") || ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A || $0 >= 0x30 && $0 <= 0x39 }
    }

    private static func escaped(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
