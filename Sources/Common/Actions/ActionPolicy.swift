/// What webhook-fcgi requires of the action files at start (exit 78 otherwise): every file read
/// without a mistake, and the secrets key readable when there is an action, since each queued
/// version is sealed with it.
public enum ActionPolicy {
    public static func requireValidActions(_ configuration: Configuration) throws(ConfigurationError) {
        let directory = ActionDirectory.load(configuration.actionsDirectory)
        if !directory.errors.isEmpty {
            throw .invalidValue(variable: "HUBSYNC_ACTIONS_DIR", expected: "action files without mistakes (`hubsync actions check`): "
                                + directory.errors.map(\.description).joined(separator: "; "))
        }
        if !directory.actions.isEmpty {
            do {
                _ = try KeyFile.existingSecretsKey(configuration)
            } catch {
                throw .invalidValue(variable: "HUBSYNC_KEY_FILE", expected: "a key this program can read, to seal the actions "
                                    + "it queues (`hubsync init` makes one): \(error)")
            }
        }
    }
}
