import Glibc
internal import CFastCGI

/// A FastCGI responder over libfcgi's reentrant API: the only file that imports CFastCGI.
/// Several request threads share the listening socket (itself shared with the other worker
/// processes); each owns its own `FCGX_Request`, handles one request at a time and keeps nothing
/// between requests. They take turns waiting for a connection under one lock, as libfcgi's
/// `examples/threaded.c` does.
///
/// Shutdown without a lost wake-up: SIGTERM stays blocked except inside `ppoll`, which unblocks it
/// atomically while waiting for a connection. The listening socket is non-blocking, so a process
/// that wakes for a connection another process took gets EAGAIN from accept and waits again,
/// instead of blocking in accept where SIGTERM could not reach it.
final class FastCGIServer: Sendable {
    private let listenFD: Int32

    init(listenFD: Int32) throws(FastCGIError) {
        guard FCGX_Init() == 0 else { throw .initFailed }
        self.listenFD = listenFD
        let flags = fcntl(listenFD, F_GETFL)
        _ = fcntl(listenFD, F_SETFL, flags | O_NONBLOCK)
    }

    /// Serves until a shutdown signal, with `threads` request threads; returns when all have
    /// finished the request in hand.
    func serve(_ cycle: RequestCycle, shutdown: ShutdownSignal, threads: Int) {
        let acceptLock = ConditionLock()
        let workers = (0..<max(1, threads)).map { _ in
            NativeThread { [self] in
                do {
                    try RequestSlot(listenFD: listenFD).serve(cycle, shutdown: shutdown, acceptLock: acceptLock)
                } catch {
                    printError("FastCGI request thread: \(error)")
                }
            }
        }
        for worker in workers { worker.join() }
    }
}

/// One thread's `FCGX_Request`, allocated and freed here.
private final class RequestSlot {
    private let request: UnsafeMutablePointer<FCGX_Request>
    private let listenFD: Int32

    init(listenFD: Int32) throws(FastCGIError) {
        self.listenFD = listenFD
        request = .allocate(capacity: 1)
        guard FCGX_InitRequest(request, listenFD, FCGI_FAIL_ACCEPT_ON_INTR) == 0 else {
            request.deallocate()
            throw .initFailed
        }
    }

    deinit {
        FCGX_Free(request, 1)
        request.deallocate()
    }

    /// After a shutdown signal, connections nginx already queued on the socket are still served, for
    /// at most this long: closing on them would answer 502, and GitHub does not retry a delivery.
    static let drainSeconds: Int64 = 2

    func serve(_ cycle: RequestCycle, shutdown: ShutdownSignal, acceptLock: ConditionLock) {
        var drainUntil: Timestamp?
        while true {
            var acceptError: Int32 = 0
            var isDrained = false
            let accepted = acceptLock.withLock { () -> Bool in
                if shutdown.isRequested {
                    let now = Timestamp.now()
                    if drainUntil == nil { drainUntil = now.adding(seconds: RequestSlot.drainSeconds) }
                    guard now < drainUntil!, isReadableNow(listenFD) else {
                        isDrained = true
                        return false
                    }
                } else if !shutdown.waitUntilReadable(listenFD) {
                    return false  // the signal: the next round drains what is queued
                }
                if FCGX_Accept_r(request) >= 0 { return true }
                acceptError = errno
                return false
            }
            if isDrained { return }
            guard accepted else {
                // EAGAIN: another process took the connection. Anything else (an aborted
                // connection) is also transient for a listening socket; never spin on it.
                if acceptError != 0 && acceptError != EAGAIN && acceptError != EWOULDBLOCK { usleep(10_000) }
                continue
            }
            cycle.run(
                parameters: parameters(),
                readBody: { count in self.read(count) },
                drain: { self.drain() },
                write: { bytes in self.write(bytes) },
                finish: { FCGX_Finish_r(self.request) })
        }
    }
    private func parameters() -> [String: String] {
        request.pointee.envp.map(keyValueBlock) ?? [:]
    }

    private func read(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        // Not zero-filled first: every byte is overwritten, and zeroing 25 MiB showed in profiles.
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            var received = 0
            while received < count {
                let chunk = Int32(min(count - received, 1 << 20))
                let got = FCGX_GetStr(UnsafeMutableRawPointer(buffer.baseAddress! + received).assumingMemoryBound(to: CChar.self),
                                      chunk, request.pointee.in)
                if got <= 0 { break }
                received += Int(got)
            }
            initializedCount = received
        }
    }

    private func drain() {
        var scratch = [CChar](repeating: 0, count: 65536)
        while FCGX_GetStr(&scratch, Int32(scratch.count), request.pointee.in) > 0 {}
    }

    private func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return }
            // A client that went away gives EPIPE (libfcgi ignores SIGPIPE); nothing to do then.
            _ = FCGX_PutStr(base.assumingMemoryBound(to: CChar.self), Int32(buffer.count), request.pointee.out)
        }
    }
}

public enum FastCGIError: Error, CustomStringConvertible {
    case initFailed
    public var description: String { "libfcgi failed to initialise" }
}

/// Whether a connection is waiting on the listening socket now, without waiting for one.
private func isReadableNow(_ fd: Int32) -> Bool {
    var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&entry, 1, 0) > 0 && entry.revents & Int16(POLLIN) != 0
}
