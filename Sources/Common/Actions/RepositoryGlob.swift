/// An `owner/name` pattern of an action's `REPOSITORIES`: `*` stands for any run of characters
/// other than `/`, `?` for one such character. GitHub's names are case-insensitive, so is this.
public struct RepositoryGlob: Sendable, Equatable, CustomStringConvertible {
    public let pattern: String
    private let characters: [Character]

    /// Nil unless the pattern has exactly one `/` with something on each side, and only the
    /// characters GitHub allows in owner and repository names (letters, digits, `-`, `_`, `.`)
    /// besides the wildcards.
    public init?(_ pattern: String) {
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }),
              pattern.allSatisfy({ $0 == "/" || $0 == "*" || $0 == "?" || $0 == "-" || $0 == "_" || $0 == "." || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
        else { return nil }
        self.pattern = pattern
        characters = Array(pattern.lowercased())
    }

    public var description: String { pattern }

    public func matches(_ fullName: String) -> Bool {
        RepositoryGlob.match(characters[...], Array(fullName.lowercased())[...])
    }

    /// Iterative wildcard matching with one backtrack point per `*` (linear in practice, never
    /// exponential: the last `*` is the only one ever retried).
    private static func match(_ pattern: ArraySlice<Character>, _ text: ArraySlice<Character>) -> Bool {
        var p = pattern.startIndex, t = text.startIndex
        var star: (pattern: Int, text: Int)?
        while t < text.endIndex {
            if p < pattern.endIndex && pattern[p] == "*" {
                star = (p, t)
                p += 1
            } else if p < pattern.endIndex && text[t] != "/" && (pattern[p] == "?" || pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.endIndex && pattern[p] == "/" && text[t] == "/" {
                p += 1
                t += 1
                star = nil  // a `*` never crosses the slash
            } else if let current = star, text[current.text] != "/" {
                p = current.pattern + 1
                t = current.text + 1
                star = (current.pattern, t)
            } else {
                return false
            }
        }
        while p < pattern.endIndex && pattern[p] == "*" { p += 1 }
        return p == pattern.endIndex
    }
}
