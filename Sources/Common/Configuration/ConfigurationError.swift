/// A configuration problem found at start. The description is one line that names the variable
/// (or the file and line) and never repeats a secret's value.
public enum ConfigurationError: Error, Equatable, CustomStringConvertible {
    case invalidValue(variable: String, expected: String)
    case unreadableFile(path: String, reason: String)
    case malformedLine(path: String, line: Int)

    public var description: String {
        switch self {
        case .invalidValue(let variable, let expected): "\(variable): \(expected)"
        case .unreadableFile(let path, let reason): "HUBSYNC_CONFIG: cannot read \(path): \(reason)"
        case .malformedLine(let path, let line): "\(path):\(line): expected KEY=VALUE"
        }
    }
}
