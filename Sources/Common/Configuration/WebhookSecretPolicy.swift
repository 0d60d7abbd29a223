/// How strong a webhook secret must be. A secret is a key for HMAC-SHA256: GitHub's settings take
/// any text, but a short one can be guessed from outside with a few signed tries per guess. Below
/// `minimumBytes` webhook-fcgi refuses to start and `hubsync secret set` refuses the value; below
/// `recommendedBytes` `hubsync doctor` fails (a `hubsync secret rotate` secret has 64).
public enum WebhookSecretPolicy {
    public static let minimumBytes = 16
    public static let recommendedBytes = 32
    /// How to replace a weak secret, for every message that refuses one.
    public static let howToRotate =
        "generate one with `hubsync secret rotate --github` (or `openssl rand -hex 32`, entered in the App's settings)"

    /// The environment's secrets, by variable, that are shorter than `bytes`.
    public static func secrets(shorterThan bytes: Int, in configuration: Configuration) -> [(variable: String, length: Int)] {
        zip(configuration.webhookSecretVariables, configuration.webhookSecrets)
            .filter { $0.1.count < bytes }
            .map { ($0.0, $0.1.count) }
    }

    /// Throws for the first secret of the environment below `minimumBytes` (webhook-fcgi at start, exit 78).
    public static func requireMinimumStrength(_ configuration: Configuration) throws(ConfigurationError) {
        guard let weak = secrets(shorterThan: minimumBytes, in: configuration).first else { return }
        throw .invalidValue(variable: weak.variable, expected: "a secret of at least \(minimumBytes) bytes (it has \(weak.length)); \(howToRotate)")
    }
}
