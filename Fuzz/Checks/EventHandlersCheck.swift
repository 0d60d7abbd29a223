import Common
import Webhooks

extension FuzzCheck {
    /// Every handler on any payload, and on structurally mutated copies of it: no trap, and an
    /// outcome that means something. The first byte picks the event (of those with a handler), the
    /// rest is the JSON body; from a hash of the input, three variants replace one value anywhere in
    /// the body with a hostile one (numbers at and past Int64's limits, times out of range, wrong
    /// types, a missing member), so that libFuzzer's byte mutations on real payloads (the seeds are
    /// GitHub's examples) also reach every field a handler reads.
    ///
    /// The property: the outcome is `processed`, `skipped` or `failed`, never `pending`; a failure
    /// has a reason and is never retryable (a handler of a payload alone fails the same way every
    /// time); a summary is an object whose strings stay within the summary limit.
    public static let eventHandlers = FuzzCheck(name: "event-handlers") { input in
        guard let selector = input.first else { return nil }
        let events = Webhooks.eventHandlers.keys.sorted()
        let event = events[Int(selector) % events.count]
        guard let original = try? JSONParser.parse(Array(input.dropFirst())), case .object = original else { return nil }
        var random = SplitMix(seed: fnv1a(input))
        var variants = [original]
        for _ in 0..<3 { variants.append(replacingOneValue(in: original, random: &random)) }
        for variant in variants {
            guard let root = try? JSONDocument(parsing: Array(variant.jsonText.utf8)).root else { continue }
            let outcome = EventProcessor.outcome(of: WebhookEvent(name: event, deliveryID: "fuzz", payload: root))
            if let violation = violation(of: outcome) { return "\(event): \(violation) on \(String(variant.jsonText.prefix(300)))" }
        }
        return nil
    }
}

private func violation(of outcome: EventOutcome) -> String? {
    switch outcome.status {
    case .pending: return "an outcome left pending"
    case .failed:
        guard let error = outcome.error, !error.isEmpty else { return "a failure without a reason" }
        if outcome.isRetryable { return "a payload failure marked retryable: \(error)" }
    case .processed, .skipped:
        if let summary = outcome.summary {
            guard case .object = summary else { return "a summary that is not an object" }
            if let long = longestString(summary), long > EventProcessor.summaryStringLimit + 1 { return "a summary string of \(long) characters" }
        }
    }
    return nil
}

private func longestString(_ value: JSONValue) -> Int? {
    switch value {
    case .string(let text): return text.count
    case .array(let items): return items.compactMap(longestString).max()
    case .object(let object): return object.members.compactMap { longestString($0.value) }.max()
    default: return nil
    }
}

/// Values that no GitHub object holds where handlers expect numbers, times, strings or objects.
private let hostileValues: [JSONValue] = [
    .number("9223372036854775807"), .number("-9223372036854775808"), .number("9223372036854775808"),
    .number("-9223372036854775809"), .number("10000000000000"), .number("253402300800"), .number("1e308"), .number("-1"),
    .number("0.5"), .string(""), .string("9999-12-31T23:59:59-23:59"), .string("0000-01-01T00:00:00Z"),
    .string("2026-13-45T25:61:61Z"), .null, .bool(true), .array([]), .object(JSONObject()),
]

/// `value` with one node, reached by a random walk from the root, replaced by a hostile value or
/// (one time in four, inside an object) removed.
private func replacingOneValue(in value: JSONValue, random: inout SplitMix) -> JSONValue {
    switch value {
    case .object(let object) where !object.members.isEmpty && random.next() % 4 != 0:
        var members = object.members
        let index = Int(random.next() % UInt64(members.count))
        if random.next() % 4 == 0 && random.next() % 2 == 0 {
            members.remove(at: index)
        } else {
            members[index].value = replacingOneValue(in: members[index].value, random: &random)
        }
        return .object(JSONObject(members))
    case .array(var items) where !items.isEmpty && random.next() % 4 != 0:
        let index = Int(random.next() % UInt64(items.count))
        items[index] = replacingOneValue(in: items[index], random: &random)
        return .array(items)
    default:
        return hostileValues[Int(random.next() % UInt64(hostileValues.count))]
    }
}

/// A small deterministic generator, so that one input always gives the same variants (a crash
/// found by the fuzzer reproduces from its file alone).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    bytes.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0100_0000_01B3 }
}
