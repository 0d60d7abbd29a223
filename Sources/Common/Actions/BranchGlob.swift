/// A branch pattern of an action's `BRANCHES`, with the two wildcards GitHub Actions' branch
/// filters have (README, "Actions"): `*` stands for any run of characters other than `/`, `**` for
/// any run at all. Branch names are case-sensitive, so is this. GitHub's other special characters
/// are refused rather than read differently: `?` and `[` (git allows neither in a branch name)
/// and a leading `!` (GitHub's negation); `+` is itself, as in git.
public struct BranchGlob: Sendable, Equatable, CustomStringConvertible {
    public let pattern: String
    private let tokens: [Token]

    private enum Token: Equatable {
        case character(UInt8)
        case anyRun            // *
        case anyRunWithSlash   // **
    }

    /// Git refuses far longer names; a longer branch is no match rather than a long computation.
    static let maximumLength = 255

    /// Nil for an empty pattern, one longer than a branch name can be, one with a character git
    /// refuses in branch names (controls, space, `~ ^ : \ ? [`) or the list separator `,`, and one
    /// that starts with `!`.
    public init?(_ pattern: String) {
        let bytes = Array(pattern.utf8)
        guard !bytes.isEmpty, bytes.count <= BranchGlob.maximumLength, bytes[0] != UInt8(ascii: "!"),
              bytes.allSatisfy({ $0 > 0x20 && $0 != 0x7F && !Array("~^:\\?[,".utf8).contains($0) })
        else { return nil }
        var tokens: [Token] = []
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "*") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                tokens.append(.anyRunWithSlash)
                index += 2
                while index < bytes.count && bytes[index] == UInt8(ascii: "*") { index += 1 }
                continue
            case UInt8(ascii: "*"): tokens.append(.anyRun)
            case let byte: tokens.append(.character(byte))
            }
            index += 1
        }
        self.pattern = pattern
        self.tokens = tokens
    }

    public var description: String { pattern }

    /// Whether `branch` (a name such as `main` or `release/1.2`, not a `refs/heads/` ref) matches.
    /// Dynamic programming over (pattern, text) positions: at most 255 x 255 steps, whatever the
    /// pattern's stars.
    public func matches(_ branch: String) -> Bool {
        let text = Array(branch.utf8)
        guard text.count <= BranchGlob.maximumLength else { return false }
        // matched[j]: the tokens so far match text[0..<j].
        var matched = [Bool](repeating: false, count: text.count + 1)
        matched[0] = true
        for token in tokens {
            var next = [Bool](repeating: false, count: text.count + 1)
            switch token {
            case .character(let byte):
                for j in 0..<text.count where matched[j] && text[j] == byte { next[j + 1] = true }
            case .anyRun, .anyRunWithSlash:
                let crossesSlash = token == .anyRunWithSlash
                next[0] = matched[0]
                for j in stride(from: 1, through: text.count, by: 1) {
                    next[j] = matched[j] || (next[j - 1] && (crossesSlash || text[j - 1] != UInt8(ascii: "/")))
                }
            }
            matched = next
        }
        return matched[text.count]
    }
}
