#if DEBUG
import Glibc
import Common

/// Failure injection for the tests of crash containment and retries (issue 13). Compiled into
/// debug builds only: `make release` builds with `-c release`, where DEBUG is not defined, so a
/// release binary holds none of this code. Even in a debug build it acts only when the process
/// runs with `HUBSYNC_TEST_FAULTS=1` (`EventRunner`), and only on an event whose signed payload
/// asks for it with a member such as `"hubsync_test_fault": {"kind": "crash", "attempts": 2}`:
/// - `crash`: the handler traps, as an arithmetic overflow would, killing its process;
/// - `fail`: the handler throws a temporary error;
/// - `hang`: the handler never returns.
/// `attempts` (default: every attempt) is how many tries misbehave before one succeeds.
enum TestFault {
    static func inject(into event: WebhookEvent, attempt: Int) throws(HandlerError) {
        guard let fault = event.payload["hubsync_test_fault"], fault.isObject else { return }
        if let attempts = fault["attempts"]?.int64Value, Int64(attempt) > attempts { return }
        switch fault["kind"]?.stringValue {
        case "crash":
            fatalError("injected crash (HUBSYNC_TEST_FAULTS) in the \(event.name) handler, attempt \(attempt)")
        case "fail":
            throw .temporary("injected failure (HUBSYNC_TEST_FAULTS), attempt \(attempt)")
        case "hang":
            while true { sleep(3600) }
        default:
            return
        }
    }
}
#endif
