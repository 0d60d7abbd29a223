/// The version every program prints with `--version`. The release build (issue: release) writes
/// the `git describe` output here; development builds say so.
public enum BuildInfo {
    public static let version = "0.1.0-dev"
}
