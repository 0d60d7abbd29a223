import Testing
@testable import Common

/// Numbers from payloads, headers and GitHub's answers reach `Timestamp`; none of them may trap.
@Suite struct TimestampRangeTests {
    @Test func secondsOutsideYearsOneTo9999AreRefused() {
        #expect(Timestamp(secondsSinceEpoch: 0)?.iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(secondsSinceEpoch: Timestamp.latestSeconds)?.iso8601 == "9999-12-31T23:59:59.000Z")
        #expect(Timestamp(secondsSinceEpoch: Timestamp.earliestSeconds)?.iso8601 == "0001-01-01T00:00:00.000Z")
        // The number that trapped the worker in `seconds * 1_000_000` (issue 13).
        #expect(Timestamp(secondsSinceEpoch: 10_000_000_000_000) == nil)
        #expect(Timestamp(secondsSinceEpoch: Timestamp.latestSeconds + 1) == nil)
        #expect(Timestamp(secondsSinceEpoch: Timestamp.earliestSeconds - 1) == nil)
        #expect(Timestamp(secondsSinceEpoch: .max) == nil)
        #expect(Timestamp(secondsSinceEpoch: .min) == nil)
    }

    @Test func addingSaturatesInsteadOfOverflowing() {
        let now = Timestamp(microsecondsSinceEpoch: 1_764_151_977_000_000)
        #expect(now.adding(seconds: .max) == Timestamp.latest)
        #expect(now.adding(seconds: .min) == Timestamp.earliest)
        #expect(now.adding(seconds: Timestamp.latestSeconds) == Timestamp.latest)
        #expect(now.adding(microseconds: .max) == Timestamp.latest)
        #expect(now.adding(microseconds: .min) == Timestamp.earliest)
        #expect(now.adding(seconds: 3600).microsecondsSinceEpoch == now.microsecondsSinceEpoch + 3_600_000_000)
        #expect(now.adding(seconds: -60).microsecondsSinceEpoch == now.microsecondsSinceEpoch - 60_000_000)
    }

    @Test func elapsedTimeBetweenExtremesDoesNotOverflow() {
        let far = Timestamp(microsecondsSinceEpoch: .max)
        let early = Timestamp(microsecondsSinceEpoch: .min)
        #expect(early.millisecondsUntil(far) > 0)
        #expect(far.millisecondsUntil(early) < 0)
    }

    @Test func isoTextBeyondTheRangeIsRefused() {
        #expect(Timestamp(iso8601: "9999-12-31T23:59:59Z") != nil)
        #expect(Timestamp(iso8601: "9999-12-31T23:59:59-23:59") == nil)  // past the last second of year 9999
        #expect(Timestamp(iso8601: "0000-01-01T00:00:00Z") == nil)
        #expect(Timestamp(iso8601: "2026-11-26T10:00:00.999999999999999999999Z") != nil)
    }
}
