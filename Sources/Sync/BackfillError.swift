import Common
import GitHub

/// Why a backfill stopped before the end. Its progress is saved in every case: the same command
/// resumes at the first page not yet in the mirror.
public enum BackfillError: Error, CustomStringConvertible {
    /// GitHub failed (after the client's retries) or answered something unexpected.
    case interrupted(String)
    /// The rate limit lifts later than `--max-wait` allows.
    case rateLimitedUntil(Timestamp)
    /// GitHub answers 404 for the installation asked for: not (or no longer) an installation of the App.
    case installationNotFound(Int64)
    /// `--repo` names a repository no installation of the App can reach.
    case repositoryNotInstalled(String)

    public var description: String {
        switch self {
        case .interrupted(let reason):
            "backfill interrupted: \(reason); progress is saved: run the same command again to resume"
        case .rateLimitedUntil(let time):
            "GitHub's rate limit lifts at \(time.iso8601), later than --max-wait allows; progress is saved: run the same command again then"
        case .installationNotFound(let id):
            "installation \(id) is not an installation of this App (GitHub answered 404)"
        case .repositoryNotInstalled(let repository):
            "\(repository) is not among the repositories of the App's installations"
        }
    }
}
