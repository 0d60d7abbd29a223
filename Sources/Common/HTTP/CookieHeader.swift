/// The value of cookie `name` in a `Cookie` header (`a=1; b=2`), or nil.
public func cookieValue(named name: String, in header: String?) -> String? {
    guard let header else { return nil }
    for pair in header.split(separator: ";") {
        let trimmed = pair.drop(while: { $0 == " " })
        guard let equals = trimmed.firstIndex(of: "=") else { continue }
        if trimmed[..<equals] == name { return String(trimmed[trimmed.index(after: equals)...]) }
    }
    return nil
}
