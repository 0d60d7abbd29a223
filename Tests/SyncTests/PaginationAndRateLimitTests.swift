import Testing
@testable import Sync
import GitHub

/// The `Link` header and the rate-limit waits: the two rules of GitHub's REST API the backfill
/// follows on every page (docs/github-protocol.md, sections 12 and 13).
struct LinkHeaderTests {
    @Test func takesTheNextURLAsGiven() {
        // GitHub's documented example.
        let header = #"<https://api.github.com/repositories/1300192/issues?page=2>; rel="prev", "#
            + #"<https://api.github.com/repositories/1300192/issues?page=4>; rel="next", "#
            + #"<https://api.github.com/repositories/1300192/issues?page=515>; rel="last", "#
            + #"<https://api.github.com/repositories/1300192/issues?page=1>; rel="first""#
        #expect(nextPageURL(linkHeader: header) == "https://api.github.com/repositories/1300192/issues?page=4")
    }

    @Test func cursorsAndOddSpacingAndSeveralRelations() {
        #expect(nextPageURL(linkHeader: #"<https://x/y?after=Y3Vyc29y%3D&per_page=2>;rel="next""#)
                == "https://x/y?after=Y3Vyc29y%3D&per_page=2")
        #expect(nextPageURL(linkHeader: #"<https://x/a?page=9>;  rel="next last""#) == "https://x/a?page=9")
        #expect(nextPageURL(linkHeader: #"<https://x/a?page=3>; REL=next"#) == "https://x/a?page=3")
    }

    @Test func noNextOnTheLastPage() {
        #expect(nextPageURL(linkHeader: nil) == nil)
        #expect(nextPageURL(linkHeader: "") == nil)
        #expect(nextPageURL(linkHeader: #"<https://x/a?page=1>; rel="first", <https://x/a?page=4>; rel="prev""#) == nil)
        #expect(nextPageURL(linkHeader: #"https://x/a?page=2; rel="next""#) == nil)  // not a <URI-Reference>
        #expect(nextPageURL(linkHeader: #"<https://x/a?page=2>; rel="nextish""#) == nil)
    }
}

struct RateLimitWaitTests {
    @Test func retryAfterWinsOverTheResetTime() {
        #expect(RateLimitWait.seconds(resetAt: 1_000_000, retryAfterSeconds: 7, now: 0, attempt: 1) == 7)
        #expect(RateLimitWait.seconds(resetAt: nil, retryAfterSeconds: 0, now: 0, attempt: 1) == 1)
    }

    @Test func primaryLimitWaitsUntilTheResetAndOneSecondMore() {
        #expect(RateLimitWait.seconds(resetAt: 1_700_000_060, retryAfterSeconds: nil, now: 1_700_000_000, attempt: 1) == 61)
        // A reset already past (clock skew): still one second, never a negative wait.
        #expect(RateLimitWait.seconds(resetAt: 1_700_000_000, retryAfterSeconds: nil, now: 1_700_000_050, attempt: 1) == 1)
    }

    @Test func secondaryLimitWithoutTimesWaitsAMinuteThenDoublesThenGivesUp() {
        let waits = (1...RateLimitWait.maximumAttempts + 1).map {
            RateLimitWait.seconds(resetAt: nil, retryAfterSeconds: nil, now: 0, attempt: $0)
        }
        #expect(waits == [60, 120, 240, 480, 960, nil])
    }
}

/// GitHub's headers are outside values: a reset at 2^63 or in year -292 billion is a clamped wait.
struct RateLimitWaitRangeTests {
    @Test func extremeHeadersGiveBoundedWaits() {
        let now: Int64 = 1_764_151_977
        #expect(RateLimitWait.seconds(resetAt: .max, retryAfterSeconds: nil, now: now, attempt: 1) == RateLimitWait.longestWaitSeconds)
        #expect(RateLimitWait.seconds(resetAt: .min, retryAfterSeconds: nil, now: now, attempt: 1) == 1)
        #expect(RateLimitWait.seconds(resetAt: .max, retryAfterSeconds: nil, now: .min, attempt: 1) == RateLimitWait.longestWaitSeconds)
        #expect(RateLimitWait.seconds(resetAt: nil, retryAfterSeconds: .max, now: now, attempt: 1) == RateLimitWait.longestWaitSeconds)
        #expect(RateLimitWait.seconds(resetAt: nil, retryAfterSeconds: .min, now: now, attempt: 1) == 1)
    }

    @Test func aResetOutOfRangeIsDescribedNotTrapped() {
        #expect(GitHubError.rateLimited(resetAt: .max, retryAfterSeconds: nil).description.contains("out of range"))
        #expect(GitHubError.rateLimited(resetAt: 1_764_151_977, retryAfterSeconds: nil).description.contains("2025-11-26T10:12:57"))
    }
}
