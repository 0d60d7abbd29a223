import Glibc
import Common

/// The actions webhook-fcgi queues deliveries for: HUBSYNC_ACTIONS_DIR as it is now. Each request
/// first asks an inotify watch whether the directory or an action file changed since the last read
/// (one `read` call), so that a changed file applies to the very next delivery stored (README,
/// "Actions"). A file refused after a change keeps its previous version in use, with an error in
/// the log: an admin's typo must not make matched deliveries go unqueued.
public final class ActionCatalog: @unchecked Sendable {
    private struct Loaded {
        var queued: [String: QueuedAction]  // by action name
        var actions: [ActionDefinition]
    }

    private let directory: String
    private let box: SecretBox?
    private let logger: Logger
    // Guarded by `lock`: asking the watch consumes its events, so a request that finds none must
    // not read `loaded` while another is still reloading after the change it consumed.
    private let lock = ConditionLock()
    private var loaded = Loaded(queued: [:], actions: [])
    private let watch: DirectoryWatch

    /// `box`: seals each version for the outbox (the secrets key); nil only when no action exists.
    public init(directory: String, box: SecretBox?, logger: Logger) {
        self.directory = directory
        self.box = box
        self.logger = logger
        watch = DirectoryWatch(directory: directory)
        if !watch.isWatching {
            logger.error("no inotify instance (fs.inotify.max_user_instances): action files are read again for every delivery")
        }
    }

    /// The actions a delivery matches, each with its sealed version, in name order.
    public func queued(_ delivery: DeliveryFacts) -> [QueuedAction] {
        lock.withLock {
            if watch.consumeChanges() { reload() }
            return loaded.actions.filter { $0.matches(delivery) }
                .compactMap { loaded.queued[$0.name] }
        }
    }

    private func reload() {
        let directory = ActionDirectory.load(self.directory)
        var next = Loaded(queued: [:], actions: [])
        for action in directory.actions {
            guard let box else {
                logger.error("an action cannot be queued without the secrets key (HUBSYNC_KEY_FILE)", [("action", .string(action.name))])
                continue
            }
            do {
                let sealed = try box.seal(action.source, associatedData: ActionDefinition.sealingContext(action.name))
                next.queued[action.name] = QueuedAction(name: action.name, digest: action.digest, sealed: sealed)
                next.actions.append(action)
            } catch {
                logger.error("cannot seal an action", [("action", .string(action.name)), ("error", .string("\(error)"))])
            }
        }
        for error in directory.errors {
            let name = ActionFile.actionName(path: error.path)
            if let previous = loaded.actions.first(where: { $0.name == name }), let queued = loaded.queued[name] {
                next.actions.append(previous)
                next.queued[name] = queued
                logger.error("action file refused; its previous version stays in use", [("error", .string(error.description))])
            } else {
                logger.error("action file refused", [("error", .string(error.description))])
            }
        }
        next.actions.sort { $0.name < $1.name }
        loaded = next
        // Refused files too: one mended in place must be read again.
        let names = directory.actions.map(\.name) + directory.errors.map { ActionFile.actionName(path: $0.path) }
        watch.watchFiles(names.map { self.directory + "/" + $0 + ActionFile.fileExtension })
    }
}
