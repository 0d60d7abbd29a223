/// GitHub paginates through the `Link` response header (docs/github-protocol.md, sections 6 and 12): take the
/// `rel="next"` URL as given, never build page URLs. Absent on the last page.
///
///     <https://api.github.com/repositories/1/pulls?page=2>; rel="next", <...?page=5>; rel="last"
public func nextPageURL(linkHeader: String?) -> String? {
    guard let linkHeader else { return nil }
    for link in linkHeader.split(separator: ",") {
        let parts = link.split(separator: ";").map { $0.trimmingSpaces }
        guard let target = parts.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
        let isNext = parts.dropFirst().contains { parameter in
            let pieces = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces }
            guard pieces.count == 2, pieces[0].lowercased() == "rel" else { return false }
            // rel may list several relation types: rel="next last"
            return pieces[1].trimmingQuotes.split(separator: " ").contains("next")
        }
        if isNext { return String(target.dropFirst().dropLast()) }
    }
    return nil
}

extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }

    var trimmingQuotes: Substring {
        hasPrefix("\"") && hasSuffix("\"") && count >= 2 ? dropFirst().dropLast() : self
    }
}
