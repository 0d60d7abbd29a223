import Glibc
import Common

/// The actions webhook-fcgi queues deliveries for: HUBSYNC_ACTIONS_DIR as it is now. Each request
/// first compares the directory's and each action file's status (inode, size, modification time)
/// with those last read, a few `stat` calls, so that a changed file applies to the very next
/// delivery stored (README, "Actions"). A file refused after a change keeps its previous version in
/// use, with an error in the log: an admin's typo must not make matched deliveries go unqueued.
public final class ActionCatalog: @unchecked Sendable {
    private struct Loaded {
        var queued: [String: QueuedAction]  // by action name
        var actions: [ActionDefinition]
    }

    private let directory: String
    private let box: SecretBox?
    private let logger: Logger
    // Guarded by `lock`.
    private let lock = ConditionLock()
    private var loaded = Loaded(queued: [:], actions: [])
    /// The action files of the last read, refused ones included: a refused file mended in place
    /// (the directory's own status unchanged) must be read again.
    private var watched: [String] = []
    private var seen: [FileStatus]?
    /// Set when a file was modified so shortly before it was read that a second change in the same
    /// tick of the file system's clock would leave its status unchanged (git's "racy clean"):
    /// the next request reads the files again.
    private var isRacy = false

    /// `box`: seals each version for the outbox (the secrets key); nil only when no action exists.
    public init(directory: String, box: SecretBox?, logger: Logger) {
        self.directory = directory
        self.box = box
        self.logger = logger
    }

    /// The actions a delivery matches, each with its sealed version, in name order.
    public func queued(event: String, action: String?, repository: String?) -> [QueuedAction] {
        // The stat calls outside the lock, so that request threads do not take turns for them.
        let status = statuses(of: lock.withLock { watched })
        return lock.withLock {
            if status != seen || isRacy {
                seen = status
                let readAt = Timestamp.now().microsecondsSinceEpoch * 1_000
                reload()
                isRacy = status.contains { readAt - $0.modified < ActionCatalog.racyNanoseconds }
            }
            return loaded.actions.filter { $0.matches(event: event, action: action, repository: repository) }
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
        watched = (directory.actions.map(\.name) + directory.errors.map { ActionFile.actionName(path: $0.path) }).sorted()
    }

    /// Coarser than any file system's timestamp tick (ext4: the kernel's jiffy, 1-10 ms).
    static let racyNanoseconds: Int64 = 50_000_000

    private struct FileStatus: Equatable {
        var name: String
        var inode: UInt64
        var size: Int64
        var modified: Int64
    }

    /// The directory's status, then each watched action file's (a new or removed file changes the
    /// directory's own modification time).
    private func statuses(of names: [String]) -> [FileStatus] {
        [status(directory, name: "")] + names.map { status(directory + "/" + $0 + ActionFile.fileExtension, name: $0) }
    }

    private func status(_ path: String, name: String) -> FileStatus {
        var info = stat()
        guard stat(path, &info) == 0 else { return FileStatus(name: name, inode: 0, size: -1, modified: 0) }
        return FileStatus(name: name, inode: UInt64(info.st_ino), size: Int64(info.st_size),
                          modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }
}
