/// A parsed JSON document. Numbers keep their source text, so that ids larger than 2^53 and
/// huge exponents survive untouched; `int64Value` and `doubleValue` interpret them on demand.
/// Deliberately not `ExpressibleByNilLiteral`: `nil` must stay `Optional.none`, or a closure
/// returning `nil` would silently produce JSON null.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The member `key` of an object; nil for a missing member or a value that is no object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    public var int64Value: Int64? {
        if case .number(let text) = self { return Int64(text) }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let text) = self { return Double(text) }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var isNull: Bool { self == .null }

    public static func int(_ value: Int64) -> JSONValue { .number(String(value)) }

    /// The same value with every string cut to `limit` characters (an ellipsis marks a cut), so a
    /// summary stays small whatever a payload holds.
    public func cappingStrings(at limit: Int) -> JSONValue {
        switch self {
        case .string(let text): return text.count > limit ? .string(String(text.prefix(limit)) + "…") : self
        case .array(let items): return .array(items.map { $0.cappingStrings(at: limit) })
        case .object(let object):
            return .object(JSONObject(object.members.map { (key: $0.key, value: $0.value.cappingStrings(at: limit)) }))
        default: return self
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(String(value)) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension Optional where Wrapped == JSONValue {
    /// Member access through optionals: `payload["repository"]["full_name"]`.
    public subscript(key: String) -> JSONValue? { self?[key] }
}

/// An object's members in document order. A plain array rather than a dictionary: payload objects
/// have a few dozen members and handlers look up a handful, so hashing every key while parsing
/// (which a profile showed to dominate intake) buys nothing. A repeated key: the last one wins.
public struct JSONObject: Sendable, Equatable {
    public private(set) var members: [(key: String, value: JSONValue)]

    public init(_ members: [(key: String, value: JSONValue)] = []) { self.members = members }

    public subscript(key: String) -> JSONValue? {
        members.last(where: { $0.key == key })?.value
    }

    public var keys: [String] { members.map(\.key) }

    /// One member per key (the last of a repeated key), sorted by key: the serialized order.
    public var uniqueMembersSortedByKey: [(key: String, value: JSONValue)] {
        var seen = Set<String>()
        var unique: [(key: String, value: JSONValue)] = []
        for member in members.reversed() where seen.insert(member.key).inserted { unique.append(member) }
        return unique.sorted { $0.key < $1.key }
    }

    mutating func append(key: String, value: JSONValue) { members.append((key, value)) }

    /// Equal when they hold the same keys with equal (last) values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        let leftKeys = Set(lhs.keys), rightKeys = Set(rhs.keys)
        return leftKeys == rightKeys && leftKeys.allSatisfy { lhs[$0] == rhs[$0] }
    }
}
