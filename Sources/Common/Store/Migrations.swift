/// One schema step. A shipped step never changes; new steps go at the end of `Migrations.all`.
public struct Migration: Sendable {
    public let name: String
    public let sql: String
}

/// The schema's history. `PRAGMA user_version` records how many steps a database has applied.
/// Each step runs in its own IMMEDIATE transaction together with the new `user_version`, and the
/// version is read again while holding the write lock, so that several workers starting at once
/// apply each step exactly once (the approach of GRDB's DatabaseMigrator).
public enum Migrations {
    public static let all: [Migration] = [
        Migration(name: "create-events", sql: """
            CREATE TABLE events (
                id INTEGER PRIMARY KEY,
                delivery_id TEXT NOT NULL,
                hook_id INTEGER NOT NULL DEFAULT 0,
                event TEXT NOT NULL,
                action TEXT,
                installation_id INTEGER,
                repository TEXT,
                sender TEXT,
                body BLOB NOT NULL,
                content_type TEXT NOT NULL,
                target_type TEXT,
                target_id INTEGER,
                received_at TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'processed', 'failed', 'skipped')),
                attempts INTEGER NOT NULL DEFAULT 0,
                error TEXT,
                processed_at TEXT,
                summary TEXT,
                UNIQUE (delivery_id, hook_id)
            );
            -- Only unfinished events are looked up by status; a partial index stays tiny.
            CREATE INDEX events_unfinished ON events (status, id) WHERE status IN ('pending', 'failed');
            """),
    ]

    public static var currentVersion: Int { all.count }

    public static func migrate(_ connection: SQLiteConnection) throws {
        for (index, migration) in all.enumerated() {
            try connection.inTransaction {
                guard try connection.scalarInt("PRAGMA user_version") ?? 0 == Int64(index) else { return }
                try connection.execute(migration.sql)
                try connection.execute("PRAGMA user_version = \(index + 1)")
            }
        }
    }
}
