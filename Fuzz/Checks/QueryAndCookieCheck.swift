import Common

extension FuzzCheck {
    /// The callback's query string and `Cookie` header: every parameter is the first pair of its
    /// name; a cookie value found is really in the header after its name; a cookie put in front is
    /// the one found.
    public static let queryAndCookie = FuzzCheck(name: "query-and-cookie") { input in
        let text = String(decoding: input, as: UTF8.self)
        let parameters = FormDecoding.parameters(text)
        let pairs = FormDecoding.pairs(Array(text.utf8)) ?? []
        for (name, value) in parameters {
            guard let first = pairs.first(where: { String(decoding: $0.name, as: UTF8.self) == name }),
                  String(decoding: first.value, as: UTF8.self) == value
            else { return "parameter \(name.debugDescription) is not the first pair of that name" }
        }
        if pairs.isEmpty && !parameters.isEmpty { return "parameters from a refused query" }

        let name = "hubsync_install"
        if let value = cookieValue(named: name, in: text), !text.contains(name + "=" + value) {
            return "cookie value \(value.debugDescription) is not in the header"
        }
        if cookieValue(named: name, in: name + "=front; " + text) != "front" { return "a cookie in front was not the one found" }
        return nil
    }
}
