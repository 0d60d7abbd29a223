import Glibc
import Synchronization
import Testing
@testable import Common
@testable import Webhooks

/// The event runner on a real SQLite file, with a clock and jitter the test controls: attempts
/// are claimed before handlers run, failures are retried on the schedule, deaths are bounded.
@Suite struct EventRunnerTests {
    /// A clock the test moves.
    final class TestClock: Sendable {
        let microseconds = Atomic<Int64>(1_764_151_977_000_000)
        var now: Timestamp { Timestamp(microsecondsSinceEpoch: microseconds.load(ordering: .relaxed)) }
        func advance(seconds: Int64) { microseconds.add(seconds * 1_000_000, ordering: .relaxed) }
        func set(_ time: Timestamp) { microseconds.store(time.microsecondsSinceEpoch, ordering: .relaxed) }
    }

    struct Fixture {
        let directory: TemporaryDirectory
        let services: Services
        let clock: TestClock
        let runner: EventRunner
        var store: EventStore { get throws { try committedStore(services) } }

        init(policy: HandlerRetryPolicy = HandlerRetryPolicy(), owner: ProcessIdentity = .current()) throws {
            directory = try TemporaryDirectory()
            let clock = TestClock()
            self.clock = clock
            var configuration = makeServices(in: directory).configuration
            configuration.retryPolicy = policy
            services = Services(configuration: configuration, logger: Logger(program: "test", minimumLevel: .error), now: { clock.now })
            runner = EventRunner(configuration: configuration, logger: services.logger, now: { clock.now }, jitter: { 0.5 },
                                 owner: owner, injectsFaults: true)
        }

        /// Stores a delivery through the real intake (its handlers are the runner's to run).
        @discardableResult
        func receive(_ event: String, _ body: String, id: String = newID()) throws -> Int64 {
            let receipt = try WebhookIntake(services: services).receive(delivery(event: event, body: Array(body.utf8), id: id))
            services.writer.flush()
            return receipt.outcome.id
        }

        func state(_ id: Int64) throws -> StoredEvent { try #require(try store.event(id: id)) }
    }

    static func newID() -> String { "d-\(UInt64.random(in: 0...UInt64.max))" }
    static let issue = #"{"action":"opened","repository":{"full_name":"o/r"},"issue":{"number":1,"title":"t","state":"open","updated_at":"2026-11-26T10:00:00Z"}"#

    @Test func storedEventsAreRunOnceWithTheirAttemptCounted() throws {
        let fixture = try Fixture()
        let issue = try fixture.receive("issues", Self.issue + "}")
        let star = try fixture.receive("star", #"{"action":"created"}"#)
        #expect(try fixture.state(issue).status == .pending)
        #expect(try fixture.state(star).status == .skipped, "no handler: skipped when stored, never run")
        #expect(fixture.runner.runPass() == 1)
        #expect(try fixture.state(issue).status == .processed)
        #expect(try fixture.state(issue).attempts == 1)
        #expect(try fixture.state(star).status == .skipped)
        #expect(fixture.runner.runPass() == 0, "a finished event does not run again")
        #expect(try fixture.store.attemptsInProgress().isEmpty)
    }

    /// Fails its first two tries, then succeeds: 3 tries, the waits as the schedule says (first
    /// wait 30 s, doubling; jitter 0.5 puts each wait at three quarters of its base).
    @Test func aTemporaryFailureIsRetriedOnTheSchedule() throws {
        let fixture = try Fixture()
        let id = try fixture.receive("issues", Self.issue + #","hubsync_test_fault":{"kind":"fail","attempts":2}}"#)
        let start = fixture.clock.now
        fixture.runner.runPass()
        var state = try fixture.state(id)
        #expect(state.status == .failed && state.attempts == 1)
        #expect(state.nextAttemptAt == start.adding(seconds: 22).iso8601)  // 15 + 0.5 * 15
        fixture.clock.advance(seconds: 21)
        #expect(fixture.runner.runPass() == 0, "not due yet")
        fixture.clock.advance(seconds: 1)
        #expect(fixture.runner.runPass() == 1)
        state = try fixture.state(id)
        #expect(state.status == .failed && state.attempts == 2)
        #expect(state.nextAttemptAt == start.adding(seconds: 22 + 45).iso8601)  // base 60: 30 + 0.5 * 30
        fixture.clock.advance(seconds: 45)
        fixture.runner.runPass()
        state = try fixture.state(id)
        #expect(state.status == .processed)
        #expect(state.attempts == 3)
        #expect(state.nextAttemptAt == nil)
    }

    @Test func retriesStopAfterTheLastAttemptOrTheWindow() throws {
        var policy = HandlerRetryPolicy()
        policy.maxAttempts = 3
        let fixture = try Fixture(policy: policy)
        let id = try fixture.receive("issues", Self.issue + #","hubsync_test_fault":{"kind":"fail"}}"#)
        for _ in 0..<10 {
            fixture.runner.runPass()
            fixture.clock.advance(seconds: 3600)
        }
        let state = try fixture.state(id)
        #expect(state.status == .failed && state.attempts == 3 && state.nextAttemptAt == nil, "given up after 3 tries")
        #expect(describeStatus(state.status, nextAttemptAt: state.nextAttemptAt) == "given up")

        var windowed = HandlerRetryPolicy()
        // Received at t; tried at t (next at t + 22 s, inside the window), then at t + 60 s (the next
        // pass), whose retry would come at t + 105 s: past the 100 s window, so given up there.
        windowed.retryWindowSeconds = 100
        let second = try Fixture(policy: windowed)
        let other = try second.receive("issues", Self.issue + #","hubsync_test_fault":{"kind":"fail"}}"#)
        for _ in 0..<10 {
            second.runner.runPass()
            second.clock.advance(seconds: 60)
        }
        #expect(try second.state(other).attempts == 2)
        #expect(try second.state(other).nextAttemptAt == nil)
    }

    @Test func aPayloadThatCannotBeHandledFailsOnceForGood() throws {
        let fixture = try Fixture()
        let id = try fixture.receive("pull_request", #"{"action":"opened","number":1,"repository":{"full_name":"o/r"},"pull_request":{"number":1,"updated_at":10000000000000}}"#)
        fixture.runner.runPass()
        let state = try fixture.state(id)
        #expect(state.status == .failed)
        #expect(state.error == "payload's pull_request.updated_at is out of range")
        #expect(state.nextAttemptAt == nil)
        fixture.clock.advance(seconds: 86_400)
        #expect(fixture.runner.runPass() == 0)
    }

    /// Attempts whose process died (claimed under a pid that is gone) count as deaths; the third
    /// gives the event up, and it never runs by itself again.
    @Test func deathsAreCountedAndBounded() throws {
        let fixture = try Fixture()
        let id = try fixture.receive("issues", Self.issue + "}")
        let dead = ProcessIdentity(host: ProcessIdentity.current().host, pid: Int32.max, startTicks: 1).text
        #expect(ProcessIdentity(text: dead)?.isKnownDead == true)
        #expect(ProcessIdentity.current().isKnownDead == false)
        for death in 1...3 {
            #expect(try fixture.store.claim(.fresh, owner: dead, at: fixture.clock.now, limit: 10) == (death == 1 ? [id] : []))
            if death > 1 { #expect(try fixture.store.claim(.suspect, owner: dead, at: fixture.clock.now, limit: 1) == [id]) }
            // Another runner's pass: the dead attempt is ended, and (until the third) run again by
            // the test's dead owner instead of the runner, which the claim above stands for.
            try fixture.store.endAttempts(try fixture.store.attemptsInProgress().map { attempt in
                (attempt, AttemptEnd.decide(attempt, died: true, policy: HandlerRetryPolicy()))
            }, at: fixture.clock.now)
        }
        let state = try fixture.state(id)
        #expect(state.status == .failed)
        #expect(state.error == "gave up after 3 attempts: the worker died")
        #expect(state.deaths == 3 && state.nextAttemptAt == nil)
        #expect(fixture.runner.runPass() == 0)
    }

    /// One death, then the runner finds it, runs the event alone, and it succeeds.
    @Test func theRunnerFinishesAnAttemptWhoseProcessDied() throws {
        let fixture = try Fixture()
        let id = try fixture.receive("issues", Self.issue + "}")
        let innocent = try fixture.receive("issues", Self.issue.replacingOccurrences(of: "\"number\":1", with: "\"number\":2") + "}")
        let dead = ProcessIdentity(host: ProcessIdentity.current().host, pid: Int32.max, startTicks: 1).text
        #expect(try fixture.store.claim(.fresh, owner: dead, at: fixture.clock.now, limit: 10) == [id, innocent])
        #expect(fixture.runner.runPass() == 2)
        for event in [id, innocent] {
            let state = try fixture.state(event)
            #expect(state.status == .processed && state.attempts == 2 && state.deaths == 1)
        }
    }

    /// A live owner is left alone until its attempt is twice the timeout old; then (its outcome
    /// lost) the event runs again without a death.
    @Test func aLiveAttemptIsLeftAloneUntilItOverruns() throws {
        let fixture = try Fixture()
        let id = try fixture.receive("issues", Self.issue + "}")
        let live = ProcessIdentity(host: ProcessIdentity.current().host, pid: getppid(),
                                   startTicks: ProcessIdentity.startTicks(of: getppid()) ?? 0).text
        _ = try fixture.store.claim(.fresh, owner: live, at: fixture.clock.now, limit: 10)
        #expect(fixture.runner.runPass() == 0)
        fixture.clock.advance(seconds: 121)
        #expect(fixture.runner.runPass() == 1)
        let state = try fixture.state(id)
        #expect(state.status == .processed && state.deaths == 0 && state.attempts == 2)
    }

    /// A redelivery of a given-up event makes it due now: the runner runs it again.
    @Test func aRedeliveryRetriesAGivenUpEvent() throws {
        var policy = HandlerRetryPolicy()
        policy.maxAttempts = 1
        let fixture = try Fixture(policy: policy)
        let body = Self.issue + #","hubsync_test_fault":{"kind":"fail","attempts":1}}"#
        let id = try fixture.receive("issues", body, id: "redelivered")
        fixture.runner.runPass()
        #expect(try fixture.state(id).nextAttemptAt == nil)
        let receipt = try WebhookIntake(services: fixture.services).receive(delivery(event: "issues", body: Array(body.utf8), id: "redelivered"))
        #expect(receipt.eventToProcess?.id == id)
        try fixture.services.writer.retryNow(id: id, at: fixture.clock.now)
        #expect(fixture.runner.runPass() == 1)
        #expect(try fixture.state(id).status == .processed)
    }

    /// A redelivery of a failed event runs the handlers on the body stored first, not on the new
    /// one (GitHub keeps the GUID across redeliveries; a different body under it is not GitHub's).
    @Test func aRedeliveryRunsTheStoredBody() throws {
        let fixture = try Fixture()
        let broken = #"{"action":"opened","repository":{"full_name":"o/r"},"issue":{"number":1,"updated_at":10000000000000}}"#
        let id = try fixture.receive("issues", broken, id: "same-guid")
        fixture.runner.runPass()
        #expect(try fixture.state(id).status == .failed)
        let receipt = try WebhookIntake(services: fixture.services).receive(delivery(event: "issues", body: Array((Self.issue + "}").utf8), id: "same-guid"))
        #expect(receipt.outcome == .duplicate(id: id, status: .failed))
        try fixture.services.writer.retryNow(id: id, at: fixture.clock.now)
        #expect(fixture.runner.runPass() == 1)
        let state = try fixture.state(id)
        #expect(state.status == .failed && state.error == "payload's issue.updated_at is out of range" && state.attempts == 2)
    }
}
