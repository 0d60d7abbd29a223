import CLibFuzzer
import Glibc
import FuzzChecks

/// The check the running fuzzer tests; libFuzzer's callback is a C function and cannot capture it.
nonisolated(unsafe) private var runningCheck: FuzzCheck?

/// Runs libFuzzer with `check` as its target and the process's command line as its options, and
/// exits with its status.
///
/// Why not a plain `LLVMFuzzerTestOneInput` and libFuzzer's own `main`: SwiftPM links every
/// executable with `--defsym main=<module>_main`, which a library-parsed fuzz target never defines
/// (swiftlang/swift-package-manager#8731). Each target's `@main` calls this instead.
public func runLibFuzzer(_ check: FuzzCheck) -> Never {
    runningCheck = check
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv) { data, count in runFuzzCheck(runningCheck!, data, count) })
}
