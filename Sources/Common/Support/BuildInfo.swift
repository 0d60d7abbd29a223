internal import CSystem

/// The version every program prints with `--version`: `git describe` for a release build
/// (`make release` defines it for the C shim), `0.1.0-dev` otherwise.
public enum BuildInfo {
    public static let version = String(cString: csystem_version())
}
