import Common
import Glibc

/// A plain text table: a header row and left-aligned columns, two spaces apart.
func textTable(_ header: [String], _ rows: [[String]]) -> String {
    guard !rows.isEmpty else { return "(none)" }
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
