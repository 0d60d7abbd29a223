/// The essence of a `Content-Type` value (`application/json; charset=utf-8` -> `application/json`),
/// lower-cased, as RFC 9110 section 8.3.1 says type and subtype are case-insensitive.
public func mediaType(of contentType: String?) -> String? {
    guard let contentType else { return nil }
    let essence = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    let trimmed = String(essence).trimmingSpaces().lowercased()
    return trimmed.isEmpty ? nil : trimmed
}
