import Glibc

/// A joinable pthread running a closure: the only place that calls pthread_create.
public final class NativeThread: @unchecked Sendable {
    private var thread = pthread_t()
    private var isJoined = false

    /// Starts `body` on a new thread with the calling thread's signal mask.
    public init(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(ClosureBox(body)).toOpaque()
        let result = pthread_create(&thread, nil, { argument in
            let box = Unmanaged<ClosureBox>.fromOpaque(argument!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(result == 0, "pthread_create failed: \(result)")
    }

    public func join() {
        guard !isJoined else { return }
        pthread_join(thread, nil)
        isJoined = true
    }
}

private final class ClosureBox {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
