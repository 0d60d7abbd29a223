import Testing
@testable import Common

struct TimeArgumentTests {
    let now = Timestamp(iso8601: "2026-11-26T12:00:00Z")!

    @Test func spansBackFromNow() {
        #expect(TimeArgument.seconds("90m") == 5400)
        #expect(TimeArgument.seconds("24h") == 86_400)
        #expect(TimeArgument.seconds("2w") == 1_209_600)
        #expect(TimeArgument.pointInTime("7d", now: now)?.iso8601 == "2026-11-19T12:00:00.000Z")
        #expect(TimeArgument.pointInTime("0s", now: now) == now)
    }

    @Test func datesAndTimes() {
        #expect(TimeArgument.pointInTime("2026-11-25", now: now)?.iso8601 == "2026-11-25T00:00:00.000Z")
        #expect(TimeArgument.pointInTime("2026-11-25T08:30:00+01:00", now: now)?.iso8601 == "2026-11-25T07:30:00.000Z")
    }

    @Test func anythingElseIsRefused() {
        for text in ["", "h", "-1d", "3y", "yesterday", "2026-13-01", "2026-11-25T", "99999999999999999d", "1.5h"] {
            #expect(TimeArgument.pointInTime(text, now: now) == nil, "\(text)")
        }
    }
}
