import Common
import Glibc

/// The App's slug (for the install link) when `GITHUB_APP_SLUG` is unset, as `GET /app` gave it:
/// kept for an hour, and a failure kept for 30 s, so that a stream of `/github/install` requests
/// costs GitHub one call now and then instead of one JWT and one call each.
final class AppSlugCache: @unchecked Sendable {
    static let freshForSeconds: Int64 = 3600
    static let failureKeptForSeconds: Int64 = 30

    private let lock = ConditionLock()
    private var slug: String?
    private var failure: Error?
    private var fetchedAt: Timestamp?

    /// The cached slug, or `fetch`'s answer (or error) when none is fresh. Requests that arrive
    /// while one fetch runs wait for it instead of fetching too.
    func slug(now: Timestamp, fetch: () throws -> String) throws -> String {
        try lock.withLock {
            if let fetchedAt {
                let age = now.secondsSinceEpoch - fetchedAt.secondsSinceEpoch
                if let slug, age < AppSlugCache.freshForSeconds { return slug }
                if let failure, age < AppSlugCache.failureKeptForSeconds { throw failure }
            }
            fetchedAt = now
            do {
                let fetched = try fetch()
                slug = fetched
                failure = nil
                return fetched
            } catch {
                failure = error
                throw error
            }
        }
    }
}
