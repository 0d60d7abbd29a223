import Common

/// Everything a request may use, built once per process in `main` and passed in; never a global.
/// Request threads share it: the writer is internally synchronized, the rest are values.
public struct Services: Sendable {
    public let configuration: Configuration
    public let writer: GroupCommitWriter
    public let logger: Logger
    public let webhookSecrets: WebhookSecretCache
    public let now: @Sendable () -> Timestamp
    /// Wakes the event runner once a request has stored work for it.
    public let workSignal: WorkSignal
    /// The actions a delivery is queued for, in its own commit.
    public let actions: ActionCatalog

    public init(configuration: Configuration, logger: Logger, workSignal: WorkSignal = .none,
                now: @escaping @Sendable () -> Timestamp = { .now() }) {
        self.configuration = configuration
        // The writer syncs the WAL itself, after the commit and off the writers' lock (FULL), or
        // not at all (NORMAL): its connection never syncs at COMMIT.
        // Its checkpoints run on a thread of their own, outside the writers' lock (Checkpointer).
        self.writer = GroupCommitWriter(
            stores: StoreProvider(configuration: configuration, defersSync: true,
                                  checkpointer: Checkpointer.ifNeeded(configuration: configuration, logger: logger)),
            maxBatchSize: configuration.maxBatchSize, logger: logger,
            // PostgreSQL's COMMIT returns once the server made it durable (synchronous_commit).
            syncsAfterCommit: configuration.syncMode == .full && configuration.databaseLocation.isSQLite)
        self.logger = logger
        webhookSecrets = WebhookSecretCache(configuration: configuration, logger: logger, now: now)
        self.now = now
        self.workSignal = workSignal
        actions = ActionCatalog(directory: configuration.actionsDirectory,
                                box: (try? KeyFile.existingSecretsKey(configuration)).map { SecretBox(key: $0) }, logger: logger)
    }
}
