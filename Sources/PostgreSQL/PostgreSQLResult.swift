/// The rows of a statement, copied out of libpq's result (which is freed at once), in binary
/// format: a bigint is 8 bytes big-endian, text is its UTF-8 bytes, a bytea its bytes.
public struct PostgreSQLResult: Sendable {
    /// Each column's type (PostgreSQL's OIDs: 20 bigint, 23 integer, 21 smallint, 25 text, 17 bytea, 16 boolean).
    public let columnTypes: [UInt32]
    public let columnNames: [String]
    /// nil: SQL NULL.
    public let rows: [[[UInt8]?]]
    /// The rows an INSERT, UPDATE, DELETE or MERGE changed (`UPDATE 3` -> 3), 0 for anything else.
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
        case 1700:
            return PostgreSQLResult.integerPart(ofNumeric: bytes)
        default:
            return Int64(String(decoding: bytes, as: UTF8.self))
        }
    }

    public func text(_ row: Int, _ column: Int) -> String? {
        rows[row][column].map { String(decoding: $0, as: UTF8.self) }
    }

    public func bytes(_ row: Int, _ column: Int) -> [UInt8]? { rows[row][column] }

    /// The integer part of a numeric in binary (what sum() of bigints returns): four int16s
    /// (digit count, weight, sign, display scale), then base-10,000 digits, the first of them
    /// times 10,000^weight. nil for NaN, infinities or a value past Int64.
    static func integerPart(ofNumeric bytes: [UInt8]) -> Int64? {
        guard bytes.count >= 8 else { return nil }
        func int16(_ offset: Int) -> Int { Int(Int16(bitPattern: UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]))) }
        let count = int16(0), weight = int16(2), sign = UInt16(bitPattern: Int16(int16(4)))
        guard sign == 0 || sign == 0x4000, bytes.count >= 8 + 2 * count else { return nil }
        var value: Int64 = 0
        guard weight >= 0 else { return 0 }  // below 1 in magnitude
        for position in 0...weight {
            let digit = position < count ? Int64(int16(8 + 2 * position)) : 0
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10_000)
            guard !overflow else { return nil }
            let (sum, overflowAgain) = shifted.addingReportingOverflow(sign == 0 ? digit : -digit)
            guard !overflowAgain else { return nil }
            value = sum
        }
        return value
    }
}
