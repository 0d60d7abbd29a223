import Common

/// Everything a request may use, built once per process in `main` and passed in; never a global.
struct Services {
    let configuration: Configuration
    let stores: StoreProvider
    let logger: Logger
    let now: @Sendable () -> Timestamp

    init(configuration: Configuration, logger: Logger, now: @escaping @Sendable () -> Timestamp = { .now() }) {
        self.configuration = configuration
        self.stores = StoreProvider(configuration: configuration)
        self.logger = logger
        self.now = now
    }
}
