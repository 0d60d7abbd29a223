import Common
import Glibc

/// A plain text table: a header row and left-aligned columns, two spaces apart. Cells are made
/// terminal-safe: titles, names and branches are written by anyone on GitHub.
func textTable(_ header: [String], _ rows: [[String]]) -> String {
    guard !rows.isEmpty else { return "(none)" }
    let rows = rows.map { $0.map(terminalSafe) }
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
        var text = ""
        for (index, cell) in cells.enumerated() {
            text += index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
        }
        return text
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n")
}

/// `value` as JSON text, or `null`.
func json(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
func json(_ value: Int64?) -> JSONValue { value.map { .int($0) } ?? .null }
func json(_ value: Bool?) -> JSONValue { value.map { .bool($0) } ?? .null }

func printJSON(_ items: [JSONValue]) { print(JSONValue.array(items).jsonText) }

/// A progress line, written at once (not held in a buffer while a long command runs), on
/// standard output, or on standard error when standard output carries JSON.
func printProgress(_ line: String, json: Bool) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(json ? STDERR_FILENO : STDOUT_FILENO, $0.baseAddress, $0.count) }
}

/// One `name: value` line per field of a JSON object, in its order: the text form of `show`.
func printFields(_ value: JSONValue) {
    guard case .object(let object) = value else { print(value.jsonText); return }
    let width = object.members.map(\.key.count).max() ?? 0
    for (key, member) in object.members {
        let text: String
        switch member {
        case .string(let string): text = terminalSafe(string)
        case .null: text = "-"
        default: text = terminalSafe(member.jsonText)
        }
        print(key + ":" + String(repeating: " ", count: width - key.count + 1) + text)
    }
}

/// A failure worth one line to the admin (exit 1), as opposed to bad usage (exit 64).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Bytes to standard output exactly as they are (`events show --payload`).
func writeStandardOutput(_ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        if written <= 0 { return }
        offset += written
    }
}

/// `text` with every character a terminal would act on replaced by U+FFFD: C0 controls (ESC starts
/// the sequences that move the cursor, retitle the window or write to the clipboard; a newline
/// would forge a row), DEL, C1 controls (U+0080 to U+009F, which some terminals read as ESC + a
/// letter: U+009B is CSI), and the bidirectional overrides and isolates that make text display in
/// an order other than its own. JSON output (`--json`) escapes these itself and stays exact.
func terminalSafe(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isTerminalControl) else { return text }
    var safe = String.UnicodeScalarView()
    for scalar in text.unicodeScalars { safe.append(isTerminalControl(scalar) ? "\u{FFFD}" : scalar) }
    return String(safe)
}

private func isTerminalControl(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x7F...0x9F, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
    default: false
    }
}
