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
