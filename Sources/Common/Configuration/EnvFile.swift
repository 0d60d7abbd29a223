import Glibc

/// Parses an env-style file (`KEY=VALUE` lines, `#` comments, an optional `export ` prefix, values
/// optionally in single or double quotes), the format of systemd's `EnvironmentFile=` and of
/// Docker's `--env-file`, so one file serves the units and the programs alike.
public enum EnvFile {
    /// One `KEY=VALUE` line, with its line number (for errors that name it: action files).
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        public var line: Int
    }

    public static func parse(_ text: String, path: String) throws(ConfigurationError) -> [String: String] {
        var values: [String: String] = [:]
        for entry in try entries(text, path: path) { values[entry.key] = entry.value }
        return values
    }

    /// The file's assignments in order (a key set twice appears twice).
    public static func entries(_ text: String, path: String) throws(ConfigurationError) -> [Entry] {
        var entries: [Entry] = []
        var lineNumber = 0
        // Lines end as an editor shows them: at "\n", or "\r\n" (one Character in Swift, which a
        // split on "\n" would never find). Not at every `isNewline` character: a vertical tab or a
        // U+2028 would shift every line number after it (an action file's refusal named line 4 of
        // 3, found by make fuzz); inside a value it is refused as a control character instead.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            var line = rawLine.drop(while: { $0 == " " || $0 == "\t" })
            if line.isEmpty || line.first == "#" { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7).drop(while: { $0 == " " }) }
            guard let equals = line.firstIndex(of: "=") else { throw .malformedLine(path: path, line: lineNumber) }
            let key = String(line[..<equals]).trimmingSpaces()
            guard isValidName(key) else { throw .malformedLine(path: path, line: lineNumber) }
            guard let value = unquote(String(line[line.index(after: equals)...]).trimmingSpaces()) else {
                throw .malformedLine(path: path, line: lineNumber)
            }
            entries.append(Entry(key: key, value: value, line: lineNumber))
        }
        return entries
    }

    /// Reads and parses `path`. `nil` when the file does not exist and `isRequired` is false.
    public static func load(path: String, isRequired: Bool) throws(ConfigurationError) -> [String: String]? {
        let bytes: [UInt8]
        do {
            bytes = try readSmallFile(path)
        } catch {
            if error.errorNumber == ENOENT && !isRequired { return nil }
            throw .unreadableFile(path: path, reason: error.reason)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .unreadableFile(path: path, reason: "not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    private static func isValidName(_ key: String) -> Bool {
        guard let first = key.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return key.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || ($0 >= 48 && $0 <= 57) }
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 97 && (byte | 0x20) <= 122 }

    /// `"a \"b\""` -> `a "b"`; `'a b'` -> `a b` (no escapes, as in sh); bare values are taken as they
    /// are, less a trailing ` # comment`. Nil for an unterminated quote.
    private static func unquote(_ value: String) -> String? {
        guard let first = value.first else { return "" }
        if first == "'" {
            guard value.count >= 2, value.last == "'" else { return nil }
            return String(value.dropFirst().dropLast())
        }
        if first == "\"" {
            var out = ""
            var isEscaped = false
            for character in value.dropFirst() {
                if isEscaped {
                    switch character {
                    case "n": out.append("\n")
                    default: out.append(character)
                    }
                    isEscaped = false
                } else if character == "\\" {
                    isEscaped = true
                } else if character == "\"" {
                    return out
                } else {
                    out.append(character)
                }
            }
            return nil
        }
        if let comment = value.range(of: " #") { return String(value[..<comment.lowerBound]).trimmingSpaces() }
        return value
    }
}

extension String {
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }

    /// First occurrence of `needle`, without Foundation.
    func range(of needle: String) -> Range<String.Index>? {
        guard !needle.isEmpty else { return nil }
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) { return index..<self.index(index, offsetBy: needle.count) }
            index = self.index(after: index)
        }
        return nil
    }
}
