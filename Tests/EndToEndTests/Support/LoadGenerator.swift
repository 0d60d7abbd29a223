import Foundation

/// Sends signed deliveries with unique ids from several threads until told to stop, and records
/// which ids were acknowledged with 200 and which got anything else.
final class LoadGenerator: @unchecked Sendable {
    private let lock = NSLock()
    private var acknowledgedIDs: [String] = []
    private var otherStatuses: [Int: Int] = [:]
    private var stopRequested = false
    private var threads: [Thread] = []
    private let finished = DispatchGroup()

    init(stack: TestStack, connections: Int, body: [UInt8], event: String = "push") {
        let port = stack.port, secret = stack.secret
        for index in 0..<connections {
            finished.enter()
            let thread = Thread { [self] in
                var number = 0
                while !lock.withLock({ stopRequested }) {
                    number += 1
                    let id = "load-\(index)-\(number)-" + newDeliveryID()
                    let result = try? RawHTTP.send(port: port, path: "/github/webhook",
                                                   headers: deliveryHeaders(event: event, body: body, id: id, secret: secret), body: body)
                    lock.withLock {
                        if result?.status == 200 { acknowledgedIDs.append(id) } else { otherStatuses[result?.status ?? 0, default: 0] += 1 }
                    }
                }
                finished.leave()
            }
            threads.append(thread)
            thread.start()
        }
    }

    func stop() -> (acknowledged: [String], others: [Int: Int]) {
        lock.withLock { stopRequested = true }
        finished.wait()
        return lock.withLock { (acknowledgedIDs, otherStatuses) }
    }

    var acknowledgedCount: Int { lock.withLock { acknowledgedIDs.count } }
}
