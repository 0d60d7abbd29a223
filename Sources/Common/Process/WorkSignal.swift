import Glibc
internal import CSystem

/// How request workers wake the event runner when they have stored new work: a pipe. A worker
/// writes one byte after its commit (never blocking: a full pipe already says "there is work");
/// the runner waits on the other end with a timeout, so that a lost byte costs at most one sweep
/// interval. Under `--workers` the supervisor makes the pipe and hands its ends down on fd 3; a
/// process that serves alone makes its own for its runner thread.
public final class WorkSignal: Sendable {
    private let readFD: Int32?
    private let writeFD: Int32?

    /// No runner to wake (plain CGI: the runner pass follows the request in the same process).
    public static let none = WorkSignal(readFD: nil, writeFD: nil)

    init(readFD: Int32?, writeFD: Int32?) {
        self.readFD = readFD
        self.writeFD = writeFD
    }

    /// A pipe within this process, for a runner thread.
    static func makePipe() -> WorkSignal? {
        guard let (readFD, writeFD) = makeNonBlockingPipe() else { return nil }
        return WorkSignal(readFD: readFD, writeFD: writeFD)
    }

    /// Tells the runner that work is stored. Cheap and never blocks.
    public func notify() {
        guard let writeFD else { return }
        var byte: UInt8 = 1
        _ = Glibc.write(writeFD, &byte, 1)
    }

    /// Waits until notified, `milliseconds` pass or (with `takesSignals`) a shutdown signal arrives,
    /// then empties the pipe (one pass handles everything stored so far, however many bytes
    /// announced it). Returns false when no writer is left: the supervisor and its workers are gone
    /// (the pipe would read as ready for ever), so the background process should end too.
    func wait(milliseconds: Int, shutdown: ShutdownSignal, takesSignals: Bool) -> Bool {
        guard let readFD else {
            usleep(UInt32(min(milliseconds, 1000)) * 1000)
            return true
        }
        shutdown.wait(forReadable: readFD, milliseconds: milliseconds, takesSignals: takesSignals)
        var scratch = [UInt8](repeating: 0, count: 512)
        while true {
            let count = Glibc.read(readFD, &scratch, scratch.count)
            if count == 0 { return false }  // end of file: every write end is closed
            if count < 0 { return true }    // EAGAIN: emptied
        }
    }
}

/// A pipe whose ends are non-blocking and closed on exec (posix_spawn's dup2 clears that flag on
/// the copy a child gets).
func makeNonBlockingPipe() -> (read: Int32, write: Int32)? {
    var fds: [Int32] = [0, 0]
    guard csystem_pipe_nonblocking(&fds) == 0 else { return nil }
    return (fds[0], fds[1])
}
