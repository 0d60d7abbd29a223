import Glibc
import Testing
@testable import Common

/// The runner of action commands, on real programs.
@Suite struct CommandRunnerTests {

    func run(_ arguments: [String], environment: [String: String] = [:], input: [UInt8] = [], timeout: Int = 10) throws -> CommandRunner.Outcome {
        switch CommandRunner.run(arguments, environment: environment, standardInput: input, timeoutSeconds: timeout) {
        case .success(let outcome): return outcome
        case .failure(let failure): throw failure
        }
    }

    @Test func theBodyGoesInAndTheOutputComesBackWithTheExitStatus() throws {
        let body = Array((0..<300_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
        let echoed = try run(["/bin/sh", "-c", "cat > /dev/null; echo done; echo oops >&2; exit 3"], input: body)
        #expect(echoed.exitStatus == 3 && !echoed.succeeded && !echoed.timedOut)
        #expect(String(decoding: echoed.output, as: UTF8.self) == "done\noops\n")
        let copied = try run(["/bin/cat"], input: Array(body.prefix(10_000)))
        #expect(copied.succeeded && copied.output == Array(body.prefix(10_000)))
    }

    @Test func onlyTheGivenEnvironmentIsPassed() throws {
        let outcome = try run(["/usr/bin/env"], environment: ["HUBSYNC_EVENT": "push", "PATH": "/usr/bin:/bin"])
        #expect(String(decoding: outcome.output, as: UTF8.self) == "HUBSYNC_EVENT=push\nPATH=/usr/bin:/bin\n")
    }

    @Test func aProgramThatNeverReadsItsInputDoesNotHangAndMuchOutputIsCutToItsEnd() throws {
        // Whatever the caller did with SIGPIPE (a test process keeps the default, which ends it),
        // the write into a closed pipe must be an EPIPE the runner shrugs off.
        _ = signal(SIGPIPE, SIG_DFL)
        let ignoring = try run(["/bin/true"], input: Array(repeating: 65, count: 2_000_000))
        #expect(ignoring.succeeded)
        let chatty = try run(["/bin/sh", "-c", "i=0; while [ $i -lt 3000 ]; do echo line-$i; i=$((i+1)); done"])
        #expect(chatty.succeeded && chatty.outputWasTruncated && chatty.output.count == CommandRunner.outputLimit)
        #expect(String(decoding: chatty.output, as: UTF8.self).hasSuffix("line-2999\n"))
    }

    /// The time limit kills the whole group: the child a script started in the background too.
    @Test func theTimeLimitKillsTheWholeProcessGroup() throws {
        let directory = try TemporaryDirectory()
        let pidFile = directory.path + "/child.pid"
        let start = Timestamp.now()
        let outcome = try run(["/bin/sh", "-c", "sleep 60 & echo $! > \(pidFile); wait"], timeout: 1)
        #expect(outcome.timedOut && outcome.exitStatus == nil && outcome.signal == SIGKILL)
        #expect(Timestamp.now().microsecondsSinceEpoch - start.microsecondsSinceEpoch < 5_000_000)
        let child = try #require(pid_t(String(decoding: readBytes(pidFile), as: UTF8.self).trimmingSpaces().split(separator: "\n").first ?? ""))
        var gone = false
        for _ in 0..<100 where !gone {
            gone = kill(child, 0) != 0
            if !gone { usleep(20_000) }
        }
        #expect(gone, "the background child \(child) outlived the time limit")
    }

    @Test func aMissingProgramIsAFailureNotACrash() {
        guard case .failure(let failure) = CommandRunner.run(["/nonexistent/deploy"], environment: [:], standardInput: [1], timeoutSeconds: 5) else {
            Issue.record("a missing program ran")
            return
        }
        #expect(failure.description.contains("cannot run /nonexistent/deploy"))
    }
}
