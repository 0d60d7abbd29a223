import Glibc
internal import CSystem
import Synchronization

/// SIGTERM and SIGINT as a flag. The signals stay blocked, except while `waitUntilReadable` sits in
/// `ppoll`, so a request in hand is always finished before the process exits (as php-fpm and
/// fcgiwrap do), and a signal that arrives between two requests is never lost.
public final class ShutdownSignal: Sendable {
    /// Set from the signal handler, which can reach only static storage.
    private static let requested = Atomic<Bool>(false)

    public init() {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        sigaddset(&blocked, SIGINT)
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in ShutdownSignal.requested.store(true, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: ppoll returns EINTR
        sigaction(SIGTERM, &action, nil)
        sigaction(SIGINT, &action, nil)
    }

    /// Set once a shutdown signal was delivered. `ppoll` delivers a pending signal only when it
    /// would wait, so request threads go on accepting the connections already queued (nginx
    /// forwarded them; closing on them would answer 502) and stop once the queue is empty.
    public var isRequested: Bool { ShutdownSignal.requested.load(ordering: .relaxed) }

    /// Also true while SIGTERM or SIGINT is pending but not yet delivered: for the event runner,
    /// whose pipe may read as ready again and again, so that its `ppoll` would never deliver it.
    var isRequestedOrPending: Bool {
        if isRequested { return true }
        var pending = sigset_t()
        sigpending(&pending)
        return sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1
    }

    /// Waits until `fd` is readable, `milliseconds` pass or (with `takesSignals`) a shutdown signal
    /// arrives. A thread beside the request threads must not take the signal: the request thread
    /// waiting for a connection would then never learn of it (it waits without a timeout), so such
    /// a thread keeps the signals blocked and is woken by the main thread instead.
    func wait(forReadable fd: Int32, milliseconds: Int, takesSignals: Bool) {
        var mask = sigset_t()
        if takesSignals {
            sigemptyset(&mask)
        } else {
            pthread_sigmask(SIG_BLOCK, nil, &mask)
        }
        _ = csystem_ppoll_one_timeout(fd, Int16(POLLIN), milliseconds, &mask)
    }

    /// Sleeps `milliseconds`, or less when a shutdown signal arrives (delivered here): for a loop on
    /// its process's main thread whose other threads keep the signals blocked (`hubsync dispatch`).
    public func pause(milliseconds: Int) {
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        _ = csystem_ppoll_one_timeout(-1, 0, milliseconds, &unblocked)
    }

    /// Waits until `fd` is readable (true) or a shutdown signal arrives (false).
    func waitUntilReadable(_ fd: Int32) -> Bool {
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        let ready = csystem_ppoll_one(fd, Int16(POLLIN), &unblocked)
        return ready > 0 && !isRequested
    }
}
