#include <sqlite3.h>

// The WAL file of a connection, and a sync of it through SQLite's own VFS (so that a shim VFS,
// such as the power-loss test's, sees the sync): what GroupCommitWriter uses to make a commit
// durable after the write lock is released (docs/stack-notes.md, fact 13).
static inline sqlite3_file *csqlite_journal_file(sqlite3 *db) {
    sqlite3_file *file = 0;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file) != SQLITE_OK) return 0;
    return file && file->pMethods ? file : 0;
}

static inline int csqlite_sync_file(sqlite3_file *file) {
    return file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
}

// The WAL's frame count after each commit of a connection, stored where another thread can read
// it (sqlite3_wal_hook). The hook replaces the connection's automatic checkpoint: a Checkpointer
// runs the checkpoints instead, on a connection of its own, outside the writers' lock.
static inline int csqlite_store_wal_frames(void *counter, sqlite3 *db, const char *schema, int frames) {
    (void)db;
    (void)schema;
    __atomic_store_n((int *)counter, frames, __ATOMIC_RELAXED);
    return SQLITE_OK;
}

static inline void csqlite_watch_wal_frames(sqlite3 *db, int *counter) {
    sqlite3_wal_hook(db, counter ? csqlite_store_wal_frames : 0, counter);
}

static inline int csqlite_load_wal_frames(const int *counter) {
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}
