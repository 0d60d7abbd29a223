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

    convenience init(stack: TestStack, connections: Int, body: [UInt8], event: String = "push") {
        self.init(stack: stack, connections: connections, event: event, body: { _ in body })
    }

    /// `body(n)` is the n-th body a connection sends (the same body under a new id is a replay,
    /// stored but not handled); `pauseSeconds` is each connection's wait between two deliveries.
    init(stack: TestStack, connections: Int, event: String = "push", pauseSeconds: Double = 0,
         body: @escaping @Sendable (Int) -> [UInt8]) {
        let port = stack.port, secret = stack.secret
        for index in 0..<connections {
            finished.enter()
            let thread = Thread { [self] in
                var number = 0
                while !lock.withLock({ stopRequested }) {
                    number += 1
                    let id = "load-\(index)-\(number)-" + newDeliveryID()
                    let body = body(number)
                    let result = try? RawHTTP.send(port: port, path: "/github/webhook",
                                                   headers: deliveryHeaders(event: event, body: body, id: id, secret: secret), body: body)
                    lock.withLock {
                        if result?.status == 200 { acknowledgedIDs.append(id) } else { otherStatuses[result?.status ?? 0, default: 0] += 1 }
                    }
                    if pauseSeconds > 0 { Thread.sleep(forTimeInterval: pauseSeconds) }
                }
                finished.leave()
            }
            threads.append(thread)
            thread.start()
        }
    }

    /// Stops every connection and waits for them; safe to call again. Each test calls it in a
    /// `defer` too, so a test that throws half-way leaves no thread sending into later tests.
    @discardableResult
    func stop() -> (acknowledged: [String], others: [Int: Int]) {
        lock.withLock { stopRequested = true }
        finished.wait()
        return lock.withLock { (acknowledgedIDs, otherStatuses) }
    }

    var acknowledgedCount: Int { lock.withLock { acknowledgedIDs.count } }
}
