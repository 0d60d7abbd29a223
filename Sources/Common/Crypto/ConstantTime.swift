/// Compares two byte strings in time that depends only on their lengths, never on where they
/// first differ: every byte pair is XORed into one accumulator and the loop never exits early.
/// GitHub asks integrators to compare signatures this way (GITHUB.md, section 2). Lengths are
/// public (a digest is always 32 bytes), so a length mismatch may return at once.
public func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for index in 0..<lhs.count {
        difference |= lhs[index] ^ rhs[index]
    }
    return difference == 0
}
