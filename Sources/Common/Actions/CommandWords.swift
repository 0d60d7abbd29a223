/// Splits an action's `COMMAND` into the program and its arguments the way a shell would split
/// words and nothing more: spaces separate, 'single quotes' keep everything, "double quotes" keep
/// everything but `\"` and `\\`, a backslash outside quotes keeps the next character. What only a
/// shell would do (pipes, redirections, `$VARIABLES`, `;`, globs) is refused rather than passed
/// on as a literal argument: the admin asks for a shell with `USE_SHELL=yes`.
enum CommandWords {
    struct Problem: Error {
        var reason: String
    }

    static let shellOnly: Set<Character> = ["|", "&", ";", "<", ">", "(", ")", "$", "`", "*", "?", "[", "~"]

    static func split(_ text: String) -> Result<[String], Problem> {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var isEscaped = false
        for character in text {
            if isEscaped {
                current.append(character)
                isEscaped = false
                continue
            }
            switch quote {
            case "'":
                if character == "'" { quote = nil } else { current.append(character) }
            case "\"":
                if character == "\"" {
                    quote = nil
                } else if character == "\\" {
                    isEscaped = true
                } else {
                    current.append(character)
                }
            default:
                if character == " " || character == "\t" {
                    if inWord { words.append(current) }
                    current = ""
                    inWord = false
                } else if character == "'" || character == "\"" {
                    quote = character
                    inWord = true
                } else if character == "\\" {
                    isEscaped = true
                    inWord = true
                } else if shellOnly.contains(character) {
                    return .failure(Problem(reason: "\"\(character)\" needs a shell: quote it, or set USE_SHELL=yes"))
                } else {
                    current.append(character)
                    inWord = true
                }
            }
        }
        if quote != nil { return .failure(Problem(reason: "a quote is not closed")) }
        if isEscaped { return .failure(Problem(reason: "ends with a lone backslash")) }
        if inWord { words.append(current) }
        return .success(words)
    }
}
