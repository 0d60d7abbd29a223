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
        // What GitHub sent is stored once and never changes (`deliveries`, body last so that reading
        // the other columns does not touch its overflow pages); what the handlers made of it changes
        // (`event_states`). Keeping the two in one row made each outcome rewrite the whole body:
        // the 7 KB push example cost 77 instead of 51 microseconds in the store, and a 25 MiB body
        // was written to the WAL twice (make bench). The view `events` shows one row per delivery
        // with every column, as operators and the Odoo module's screens expect.
        Migration(name: "create-events", sql: """
            CREATE TABLE deliveries (
                id INTEGER PRIMARY KEY,
                delivery_id TEXT NOT NULL,
                hook_id INTEGER NOT NULL DEFAULT 0,
                event TEXT NOT NULL,
                action TEXT,
                installation_id INTEGER,
                repository TEXT,
                sender TEXT,
                content_type TEXT NOT NULL,
                target_type TEXT,
                target_id INTEGER,
                received_at TEXT NOT NULL,
                body BLOB NOT NULL,
                UNIQUE (delivery_id, hook_id)
            );
            CREATE TABLE event_states (
                event_id INTEGER PRIMARY KEY REFERENCES deliveries (id) ON DELETE CASCADE,
                status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processed', 'failed', 'skipped')),
                attempts INTEGER NOT NULL DEFAULT 0,
                error TEXT,
                processed_at TEXT,
                summary TEXT
            );
            -- Only unfinished events are looked up by status; a partial index stays tiny.
            CREATE INDEX event_states_unfinished ON event_states (status, event_id) WHERE status IN ('pending', 'failed');
            -- Every delivery has a state from the statement that stores it: one statement, atomic alone.
            CREATE TRIGGER deliveries_state AFTER INSERT ON deliveries
            BEGIN
                INSERT INTO event_states (event_id) VALUES (NEW.id);
            END;
            CREATE VIEW events AS
                SELECT d.id, d.delivery_id, d.hook_id, d.event, d.action, d.installation_id, d.repository, d.sender,
                       d.body, d.content_type, d.target_type, d.target_id, d.received_at,
                       s.status, s.attempts, s.error, s.processed_at, s.summary
                FROM deliveries AS d JOIN event_states AS s ON s.event_id = d.id;
            -- An admin's UPDATE or DELETE on `events` (sqlite3 shell, where foreign keys are off by
            -- default) reaches both tables.
            CREATE TRIGGER events_update INSTEAD OF UPDATE OF status, attempts, error, processed_at, summary ON events
            BEGIN
                UPDATE event_states SET status = NEW.status, attempts = NEW.attempts, error = NEW.error,
                                        processed_at = NEW.processed_at, summary = NEW.summary
                WHERE event_id = OLD.id;
            END;
            CREATE TRIGGER events_delete INSTEAD OF DELETE ON events
            BEGIN
                DELETE FROM event_states WHERE event_id = OLD.id;
                DELETE FROM deliveries WHERE id = OLD.id;
            END;
            """),
        // Installations of the App (one row each) and the tokens the programs hold. Tokens are
        // stored sealed (AES-256-GCM, SecretBox): the database never holds one in plain text.
        Migration(name: "create-integrations-and-tokens", sql: """
            CREATE TABLE integrations (
                installation_id INTEGER PRIMARY KEY,
                account_login TEXT,
                account_id INTEGER,
                account_type TEXT,
                repository_selection TEXT,
                permissions TEXT,
                events TEXT,
                setup_action TEXT,
                installed_by_login TEXT,
                installed_by_id INTEGER,
                status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'deleted')),
                suspended_at TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE TABLE tokens (
                kind TEXT NOT NULL CHECK (kind IN ('installation', 'user')),
                owner_id INTEGER NOT NULL,
                sealed_token BLOB NOT NULL,
                expires_at TEXT,
                sealed_refresh_token BLOB,
                refresh_expires_at TEXT,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (kind, owner_id)
            );
            """),
        // The mirror's pull requests: the latest state per repository and number. `updated_at` is
        // GitHub's (normalized to fixed-width UTC, so text order is time order); `source_event_id`
        // is the delivery that wrote the row, the tie-breaker when two share one `updated_at`.
        Migration(name: "create-pull-requests", sql: """
            CREATE TABLE pull_requests (
                repository TEXT NOT NULL,
                number INTEGER NOT NULL,
                title TEXT,
                state TEXT,
                draft INTEGER,
                merged INTEGER,
                merged_at TEXT,
                author TEXT,
                head_ref TEXT,
                head_sha TEXT,
                base_ref TEXT,
                base_sha TEXT,
                labels TEXT,
                updated_at TEXT NOT NULL,
                source_event_id INTEGER NOT NULL,
                PRIMARY KEY (repository, number)
            );
            """),
        // Workflow runs by run id, which stays the same across re-runs (docs/github-protocol.md, section 14).
        Migration(name: "create-workflow-runs", sql: """
            CREATE TABLE workflow_runs (
                run_id INTEGER PRIMARY KEY,
                repository TEXT NOT NULL,
                name TEXT,
                event TEXT,
                status TEXT,
                conclusion TEXT,
                branch TEXT,
                head_sha TEXT,
                run_attempt INTEGER NOT NULL,
                updated_at TEXT NOT NULL,
                source_event_id INTEGER NOT NULL
            );
            CREATE INDEX workflow_runs_by_repository ON workflow_runs (repository, updated_at);
            """),
        // Issues per repository and number. A deleted or transferred issue stays as a tombstone
        // (`deleted` = 1), so that a late, older delivery cannot bring it back.
        Migration(name: "create-issues", sql: """
            CREATE TABLE issues (
                repository TEXT NOT NULL,
                number INTEGER NOT NULL,
                title TEXT,
                state TEXT,
                state_reason TEXT,
                labels TEXT,
                assignees TEXT,
                author TEXT,
                updated_at TEXT NOT NULL,
                deleted INTEGER NOT NULL DEFAULT 0,
                transferred_to TEXT,
                source_event_id INTEGER NOT NULL,
                PRIMARY KEY (repository, number)
            );
            """),
        // Repositories the App sees (installation events will fill the installation columns) and
        // their last push; one row per push delivery.
        Migration(name: "create-repositories-and-pushes", sql: """
            CREATE TABLE repositories (
                repository_id INTEGER PRIMARY KEY,
                full_name TEXT NOT NULL,
                installation_id INTEGER,
                private INTEGER,
                last_push_ref TEXT,
                last_push_after TEXT,
                last_pusher TEXT,
                last_pushed_at TEXT,
                last_push_event_id INTEGER
            );
            CREATE INDEX repositories_by_name ON repositories (full_name);
            CREATE TABLE pushes (
                event_id INTEGER PRIMARY KEY REFERENCES deliveries (id) ON DELETE CASCADE,
                repository TEXT NOT NULL,
                ref TEXT NOT NULL,
                before_sha TEXT,
                after_sha TEXT,
                forced INTEGER,
                created INTEGER,
                deleted INTEGER,
                commit_count INTEGER NOT NULL,
                head_commit_id TEXT,
                head_commit_message TEXT,
                pusher TEXT,
                pushed_at TEXT
            );
            CREATE INDEX pushes_by_repository ON pushes (repository, event_id);
            """),
        // Ordering for installation events: GitHub's installation.updated_at and the delivery that
        // wrote the state (the callback leaves both NULL).
        Migration(name: "order-integrations", sql: """
            ALTER TABLE integrations ADD COLUMN github_updated_at TEXT;
            ALTER TABLE integrations ADD COLUMN source_event_id INTEGER;
            """),
        // Webhooks that pinged us: which hook, of which kind, for which App.
        Migration(name: "create-hooks", sql: """
            CREATE TABLE hooks (
                hook_id INTEGER PRIMARY KEY,
                hook_type TEXT,
                app_id INTEGER,
                events TEXT,
                last_ping_event_id INTEGER NOT NULL
            );
            """),
        // Backfill progress, so that an interrupted `hubsync backfill` resumes where it stopped: one
        // run per set of arguments, one part per listing (a repository's pull requests, ...) with
        // the next page to fetch. A finished run is deleted with its parts.
        Migration(name: "create-backfill-progress", sql: """
            CREATE TABLE backfill_runs (
                run_key TEXT PRIMARY KEY,
                since TEXT,
                started_at TEXT NOT NULL
            );
            CREATE TABLE backfill_parts (
                run_key TEXT NOT NULL REFERENCES backfill_runs (run_key) ON DELETE CASCADE,
                part TEXT NOT NULL,
                next_url TEXT,
                done INTEGER NOT NULL DEFAULT 0,
                items INTEGER NOT NULL DEFAULT 0,
                pages INTEGER NOT NULL DEFAULT 0,
                changed INTEGER NOT NULL DEFAULT 0,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (run_key, part)
            );
            """),
        // Webhook secrets kept sealed (AES-256-GCM with the key file), for rotation without a
        // restart: `primary` and `previous` are both accepted; a `retired` one keeps only its
        // fingerprint, so `hubsync secret list` can still count the deliveries it verified.
        Migration(name: "create-webhook-secrets", sql: """
            CREATE TABLE webhook_secrets (
                id INTEGER PRIMARY KEY,
                fingerprint TEXT NOT NULL UNIQUE,
                sealed BLOB,
                state TEXT NOT NULL CHECK (state IN ('primary', 'previous', 'retired')),
                origin TEXT NOT NULL,
                created_at TEXT NOT NULL,
                retired_at TEXT,
                CHECK ((state = 'retired') = (sealed IS NULL))
            );
            CREATE UNIQUE INDEX one_primary_secret ON webhook_secrets (state) WHERE state = 'primary';
            ALTER TABLE deliveries ADD COLUMN secret_fingerprint TEXT;
            """),
        // The admin's queries (`hubsync events list`, `stats`, `prune`) on millions of deliveries:
        // newest first within a repository or an event type, and time windows. Rows carry their
        // body, so a scan of `deliveries` reads gigabytes; these indexes read kilobytes. Each costs
        // every insert (hubsync-bench sqlite, 32 per commit: about 18k rows/s without them, 15k
        // with); pending and failed events already have `event_states_unfinished`, so the other
        // statuses, the common ones, need no index of their own.
        Migration(name: "index-events-for-admin-queries", sql: """
            CREATE INDEX deliveries_by_received_at ON deliveries (received_at);
            CREATE INDEX deliveries_by_repository ON deliveries (repository, id);
            CREATE INDEX deliveries_by_event ON deliveries (event, id);
            """),
        // `hubsync redeliver`: which failed deliveries it asked GitHub to send again, and when, so
        // that a timer running it every few minutes asks once per delivery, not once per run.
        Migration(name: "create-redelivery-requests", sql: """
            CREATE TABLE redelivery_requests (
                guid TEXT PRIMARY KEY,
                attempt_id INTEGER NOT NULL,
                event TEXT,
                requested_at TEXT NOT NULL,
                requests INTEGER NOT NULL DEFAULT 1
            );
            """),
        // Handler attempts and automatic retries. An attempt is recorded (started_at, owner) in a
        // commit before its handler runs, so that a handler that kills its process is known to
        // have done so: `deaths` counts those, and past a bound the event is given up instead of
        // crashing every worker that picks it up. `next_attempt_at` is when a failed event runs
        // again (NULL: never, unless by hand). `attempts` now counts tries started. The view is
        // made again with the new columns (dropping it drops its triggers, made again too).
        Migration(name: "event-attempts-and-retries", sql: """
            ALTER TABLE event_states ADD COLUMN next_attempt_at TEXT;
            ALTER TABLE event_states ADD COLUMN attempt_started_at TEXT;
            ALTER TABLE event_states ADD COLUMN attempt_owner TEXT;
            ALTER TABLE event_states ADD COLUMN deaths INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX event_states_due ON event_states (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
            DROP VIEW events;
            CREATE VIEW events AS
                SELECT d.id, d.delivery_id, d.hook_id, d.event, d.action, d.installation_id, d.repository, d.sender,
                       d.body, d.content_type, d.target_type, d.target_id, d.received_at,
                       s.status, s.attempts, s.error, s.processed_at, s.summary,
                       s.next_attempt_at, s.attempt_started_at, s.deaths
                FROM deliveries AS d JOIN event_states AS s ON s.event_id = d.id;
            CREATE TRIGGER events_update INSTEAD OF UPDATE OF status, attempts, error, processed_at, summary, next_attempt_at ON events
            BEGIN
                UPDATE event_states SET status = NEW.status, attempts = NEW.attempts, error = NEW.error,
                                        processed_at = NEW.processed_at, summary = NEW.summary,
                                        next_attempt_at = NEW.next_attempt_at
                WHERE event_id = OLD.id;
            END;
            CREATE TRIGGER events_delete INSTEAD OF DELETE ON events
            BEGIN
                DELETE FROM event_states WHERE event_id = OLD.id;
                DELETE FROM deliveries WHERE id = OLD.id;
            END;
            """),
        // Replays under a new delivery id. The signature covers the body, not the headers, so a
        // captured delivery can be sent again with another X-GitHub-Delivery. The signature's
        // digest identifies the body (for one secret); a delivery whose digest a stored delivery of
        // the same hook already has is stored, but `skipped`, naming the first: its handlers never
        // run twice. The state is decided in the trigger, so storing stays one statement.
        Migration(name: "skip-replayed-bodies", sql: """
            ALTER TABLE deliveries ADD COLUMN signature BLOB;
            CREATE INDEX deliveries_by_signature ON deliveries (hook_id, signature) WHERE signature IS NOT NULL;
            DROP TRIGGER deliveries_state;
            CREATE TRIGGER deliveries_state AFTER INSERT ON deliveries
            BEGIN
                INSERT INTO event_states (event_id, status, error)
                SELECT NEW.id, CASE WHEN first.delivery_id IS NULL THEN 'pending' ELSE 'skipped' END,
                       CASE WHEN first.delivery_id IS NULL THEN NULL
                            ELSE 'the same body as delivery ' || first.delivery_id || ': a replay, not handled' END
                FROM (SELECT NULL AS unused) LEFT JOIN (
                    SELECT delivery_id FROM deliveries
                    WHERE NEW.signature IS NOT NULL AND hook_id = NEW.hook_id AND signature = NEW.signature AND id <> NEW.id
                    ORDER BY id LIMIT 1) AS first;
            END;
            """),
        // Tokens get a key of their own (HUBSYNC_TOKEN_KEY_FILE), which webhook-fcgi cannot read.
        // Those sealed under the secrets key it can read are dropped: installation tokens are
        // fetched again on use (they live an hour), and user tokens are no longer kept.
        Migration(name: "tokens-under-their-own-key", sql: """
            DELETE FROM tokens;
            """),
        // Actions (README, "Actions"): each version of an action file that matched a delivery,
        // sealed with the secrets key since it holds the destination's secret, and the outbox: one
        // item per delivery and matching action, written in the delivery's own commit, so that no
        // matched action is lost; `hubsync dispatch` runs them. An item goes with its delivery
        // (ON DELETE CASCADE); `events prune` keeps deliveries whose items are unfinished.
        Migration(name: "create-outbox", sql: """
            CREATE TABLE action_versions (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                digest BLOB NOT NULL UNIQUE,
                sealed BLOB NOT NULL,
                stored_at TEXT NOT NULL
            );
            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY,
                event_id INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
                action TEXT NOT NULL,
                action_version_id INTEGER NOT NULL REFERENCES action_versions (id),
                status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'retrying', 'done', 'dead', 'cancelled')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT,
                attempt_started_at TEXT,
                attempt_owner TEXT,
                last_result TEXT,
                created_at TEXT NOT NULL,
                finished_at TEXT
            );
            CREATE INDEX outbox_unfinished ON outbox (status, id) WHERE status IN ('pending', 'retrying');
            CREATE INDEX outbox_by_event ON outbox (event_id);
            """),
        // The console's "slowest handlers" (issue 17): how long handlers ran, summed per hour and
        // event by each batch's commit, so that the overview reads a day of small rows, never a
        // day of events. `slowest_event_id` is the slowest one's id (it may since be pruned).
        Migration(name: "create-handler-timings", sql: """
            CREATE TABLE handler_timings (
                hour TEXT NOT NULL,
                event TEXT NOT NULL,
                handled INTEGER NOT NULL,
                total_us INTEGER NOT NULL,
                slowest_us INTEGER NOT NULL,
                slowest_event_id INTEGER NOT NULL,
                PRIMARY KEY (hour, event)
            ) WITHOUT ROWID;
            """),
        // Every finished try of an outbox item, as gateways show them (issue 17): when it started
        // and ended and what came of it. Kept across `outbox retry` (which restarts the count);
        // goes with its item. Written by the dispatcher alone, never on the webhook path.
        Migration(name: "create-outbox-attempts", sql: """
            CREATE TABLE outbox_attempts (
                id INTEGER PRIMARY KEY,
                item_id INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
                started_at TEXT,
                finished_at TEXT NOT NULL,
                succeeded INTEGER NOT NULL,
                result TEXT NOT NULL
            );
            CREATE INDEX outbox_attempts_by_item ON outbox_attempts (item_id, id);
            """),
    ]

    public static var currentVersion: Int { all.count }

    public static func migrate(_ connection: SQLiteConnection) throws {
        let version = try connection.scalarInt("PRAGMA user_version") ?? 0
        guard version <= Int64(currentVersion) else {
            // A newer program migrated this file; guessing at its schema could damage it.
            throw SQLiteError(code: 26 /* SQLITE_NOTADB */, message:
                "database schema version \(version) is newer than this program's (\(currentVersion)); upgrade the program", sql: nil)
        }
        for (index, migration) in all.enumerated() {
            try connection.inTransaction {
                guard try connection.scalarInt("PRAGMA user_version") ?? 0 == Int64(index) else { return }
                try connection.execute(migration.sql)
                try connection.execute("PRAGMA user_version = \(index + 1)")
            }
        }
    }
}
