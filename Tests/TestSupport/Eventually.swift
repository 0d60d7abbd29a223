import Foundation

/// Polls `condition` every 20 ms until it holds or `seconds` pass. A test waits for what it expects
/// this way, never for a fixed time: a busy CI machine is slow, not wrong.
public func eventually(_ seconds: Double = 5, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}
