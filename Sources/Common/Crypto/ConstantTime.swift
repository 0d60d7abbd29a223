/// Compares two byte strings in time that depends only on their lengths, never on where they
/// first differ: every byte pair is XORed into one accumulator and the loop never exits early
/// (no `break`, no `return` inside it, no short-circuit `&&`). GitHub asks integrators to compare
/// signatures this way (docs/github-protocol.md, section 2). Lengths are public (a digest is always 32 bytes), so
/// a length mismatch may return at once.
public func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    constantTimeEquals(lhs[...], rhs[...])
}

/// The comparison itself, over any random-access bytes; the tests pass collections that count
/// which bytes were read, to show that every one is read whatever the first difference.
public func constantTimeEquals<Left: RandomAccessCollection, Right: RandomAccessCollection>(_ lhs: Left, _ rhs: Right) -> Bool
where Left.Element == UInt8, Right.Element == UInt8, Left.Index == Int, Right.Index == Int {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for offset in 0..<lhs.count {
        difference |= lhs[lhs.startIndex + offset] ^ rhs[rhs.startIndex + offset]
    }
    return difference == 0
}
