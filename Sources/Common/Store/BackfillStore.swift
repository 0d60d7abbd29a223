/// Progress of `hubsync backfill`: all of its SQL. A run is keyed by its arguments; each listing it
/// reads (an installation's repositories, a repository's pull requests, ...) is a part with the URL
/// of the next page. A page's records and the part's new position are written in one transaction,
/// so an interruption at any moment resumes at the first page not yet in the mirror.
public final class BackfillStore {
    public let database: Database
    private let mirror: MirrorStore

    public init(database: Database) {
        self.database = database
        mirror = MirrorStore(connection: database.connection)
    }

    public struct Run: Sendable, Equatable {
        public var since: String?
        public var startedAt: String
        /// An earlier run with the same arguments stopped before the end; its progress is kept.
        public var isResumed: Bool
    }

    public struct Part: Sendable, Equatable {
        public var nextURL: String?
        public var isDone: Bool
        public var items: Int
        public var pages: Int
        public var changed: Int

        public init(nextURL: String?, isDone: Bool, items: Int, pages: Int, changed: Int) {
            self.nextURL = nextURL
            self.isDone = isDone
            self.items = items
            self.pages = pages
            self.changed = changed
        }
    }

    /// The run with these arguments: the interrupted one if there is one, else a new one.
    /// `restart` forgets an interrupted run's progress first.
    public func begin(runKey: String, since: String?, restart: Bool, now: Timestamp = .now()) throws -> Run {
        try database.write {
            if restart { try database.connection.prepare("DELETE FROM backfill_runs WHERE run_key = ?").run([.text(runKey)]) }
            let existing = try database.connection.prepare("SELECT since, started_at FROM backfill_runs WHERE run_key = ?")
            try existing.bind([.text(runKey)])
            if try existing.step() {
                return Run(since: existing.text(0), startedAt: existing.text(1) ?? "", isResumed: true)
            }
            try database.connection.prepare("INSERT INTO backfill_runs (run_key, since, started_at) VALUES (?, ?, ?)")
                .run([.text(runKey), text(since), .text(now.iso8601)])
            return Run(since: since, startedAt: now.iso8601, isResumed: false)
        }
    }

    public func part(runKey: String, name: String) throws -> Part? {
        let statement = try database.connection.prepare(
            "SELECT next_url, done, items, pages, changed FROM backfill_parts WHERE run_key = ? AND part = ?")
        try statement.bind([.text(runKey), .text(name)])
        guard try statement.step() else { return nil }
        return Part(nextURL: statement.text(0), isDone: statement.int64(1) != 0, items: Int(statement.int64(2)),
                    pages: Int(statement.int64(3)), changed: Int(statement.int64(4)))
    }

    /// How many parts of the run are finished.
    public func finishedParts(runKey: String) throws -> Int {
        let statement = try database.connection.prepare("SELECT count(*) FROM backfill_parts WHERE run_key = ? AND done = 1")
        try statement.bind([.text(runKey)])
        try statement.step()
        return Int(statement.int64(0))
    }

    /// Applies one page's changes to the mirror and moves the part to `nextURL` (nil: finished),
    /// in one transaction; `finish` runs after the changes, in the same transaction (a complete
    /// listing detaches what it no longer names). Returns how many changes altered the mirror.
    @discardableResult
    public func savePage(runKey: String, part name: String, items: Int, changes: [MirrorChange], nextURL: String?,
                         afterApplying finish: (MirrorStore) throws -> Void = { _ in }, now: Timestamp = .now()) throws -> Int {
        try database.write {
            let sourceEventID = try mirror.latestEventID()
            var changed = 0
            for change in changes where try mirror.apply(change, sourceEventID: sourceEventID) { changed += 1 }
            try finish(mirror)
            try database.connection.prepare("""
                INSERT INTO backfill_parts (run_key, part, next_url, done, items, pages, changed, updated_at)
                VALUES (?, ?, ?, ?, ?, 1, ?, ?)
                ON CONFLICT (run_key, part) DO UPDATE SET next_url = excluded.next_url, done = excluded.done,
                    items = backfill_parts.items + excluded.items, pages = backfill_parts.pages + 1,
                    changed = backfill_parts.changed + excluded.changed, updated_at = excluded.updated_at
                """).run([.text(runKey), .text(name), text(nextURL), .integer(nextURL == nil ? 1 : 0), .integer(Int64(items)),
                          .integer(Int64(changed)), .text(now.iso8601)])
            return changed
        }
    }

    /// Records an installation GitHub no longer knows (404) as deleted.
    public func markInstallationDeleted(_ installationID: Int64) throws -> Bool {
        try database.write { try mirror.markInstallationDeleted(installationID, sourceEventID: try mirror.latestEventID()) }
    }

    /// The run finished: its progress is no longer needed.
    public func finish(runKey: String) throws {
        try database.write { try database.connection.prepare("DELETE FROM backfill_runs WHERE run_key = ?").run([.text(runKey)]) }
    }

    /// What the backfill reads back from the mirror between listings.
    public var mirrorStore: MirrorStore { mirror }
}
