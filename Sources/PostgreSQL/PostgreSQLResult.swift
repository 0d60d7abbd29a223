/// The rows of a statement, copied out of libpq's result (which is freed at once), in binary
/// format: a bigint is 8 bytes big-endian, text is its UTF-8 bytes, a bytea its bytes.
public struct PostgreSQLResult: Sendable {
    /// Each column's type (PostgreSQL's OIDs: 20 bigint, 23 integer, 21 smallint, 25 text, 17 bytea, 16 boolean).
    public let columnTypes: [UInt32]
    public let columnNames: [String]
    /// nil: SQL NULL.
    public let rows: [[[UInt8]?]]
    /// The rows a command changed (`UPDATE 3` -> 3), 0 for a query.
    public let affectedRows: Int

    public var count: Int { rows.count }

    public func isNull(_ row: Int, _ column: Int) -> Bool { rows[row][column] == nil }

    /// An integer column (bigint, integer, smallint, boolean); nil for NULL.
    public func int64(_ row: Int, _ column: Int) -> Int64? {
        guard let bytes = rows[row][column] else { return nil }
        switch columnTypes[column] {
        case 20, 23, 21, 16:
            // Big-endian two's complement of 8, 4, 2 or 1 bytes, sign-extended.
            var value: Int64 = (bytes.first ?? 0) & 0x80 != 0 ? -1 : 0
            for byte in bytes { value = value << 8 | Int64(byte) }
            return value
        default:
            return Int64(String(decoding: bytes, as: UTF8.self))
        }
    }

    public func text(_ row: Int, _ column: Int) -> String? {
        rows[row][column].map { String(decoding: $0, as: UTF8.self) }
    }

    public func bytes(_ row: Int, _ column: Int) -> [UInt8]? { rows[row][column] }
}
