import Glibc

/// A pthread mutex with one condition variable: the only owner of both. The FastCGI programs run
/// plain threads (no Dispatch, no Foundation), and group commit needs threads to wait for a commit.
public final class ConditionLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    /// Set when this object borrows another's mutex; that object owns and frees it.
    private let mutexOwner: ConditionLock?

    public init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        mutexOwner = nil
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    /// A second condition on the same mutex as `other`, which it keeps alive.
    public init(sharingMutexOf other: ConditionLock) {
        mutex = other.mutex
        mutexOwner = other
        condition = .allocate(capacity: 1)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
        if mutexOwner == nil {
            pthread_mutex_destroy(mutex)
            mutex.deallocate()
        }
    }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits until signalled; call only while holding the lock (inside `withLock`).
    public func wait() { pthread_cond_wait(condition, mutex) }

    public func broadcast() { pthread_cond_broadcast(condition) }

    public func signal() { pthread_cond_signal(condition) }
}
