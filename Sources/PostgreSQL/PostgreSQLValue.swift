/// A parameter of a statement, sent in binary so that a body goes byte for byte, never escaped.
public enum PostgreSQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)
    case bytes([UInt8])
}
