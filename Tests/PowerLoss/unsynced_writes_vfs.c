/*
 * A SQLite VFS shim that lets a test simulate a power cut, in the manner of SQLite's own crash
 * tests (src/test6.c): a write only counts once the file has been synced.
 *
 * Loaded with LD_PRELOAD into a program that links libsqlite3 dynamically, it registers itself as
 * the default VFS at the first sqlite3_open_v2() and wraps the platform's. For the main database, its rollback journal and its
 * write-ahead log, every write and truncation first appends the bytes it is about to replace to an
 * undo log beside the file ("<file>-unsynced"), and every successful sync appends a marker. A test
 * that has killed every process using the database (the moment of the cut) discards the writes no
 * sync covered by undoing, newest first, the records after the last marker: the file is then what
 * the disk would hold after losing its cache. (Tests/EndToEndTests/Support/PowerCut.swift)
 *
 * Why the undo log is safe against the kill itself: it is written with write(2) before the change
 * it describes, and SIGKILL does not lose what write(2) has returned. Why the record and its write
 * are taken under one flock, and a sync and its marker under the same one: another process's sync
 * then falls wholly before or wholly after a write, so a marker never claims a write that happened
 * after the fsync it stands for. Threads of one process share the undo log's descriptor, for which
 * flock excludes nothing: a process-wide mutex orders them (a writer thread and the thread that
 * syncs the WAL after its commits).
 *
 * Not modelled: directory entries (a created or deleted file is assumed to stay so), and torn
 * sectors within a write. The shared-memory index is memory, not storage: the test deletes it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <sqlite3.h>

static pthread_mutex_t threadsOfThisProcess = PTHREAD_MUTEX_INITIALIZER;

enum { RECORD_WRITE = 'W', RECORD_TRUNCATE = 'T', RECORD_SYNC = 'S' };

/* One undo record; `length` bytes of the old content follow it. Little-endian, as written. */
struct __attribute__((packed)) UndoRecord {
    uint8_t kind;
    int64_t offset;    /* where the old bytes go back */
    int64_t length;    /* how many old bytes follow */
    int64_t sizeBefore; /* the file's size before this change */
};

typedef struct ShimFile {
    sqlite3_file base;
    int undoLog;          /* -1 for files whose durability does not matter (temp files) */
    sqlite3_file *real;   /* the platform VFS's file, allocated right after this struct */
} ShimFile;

static sqlite3_vfs *platform;
static sqlite3_vfs shim;

static int appendAll(int fd, const void *bytes, size_t count) {
    const char *next = bytes;
    while (count > 0) {
        ssize_t written = write(fd, next, count);
        if (written < 0) return -1;
        next += written;
        count -= (size_t)written;
    }
    return 0;
}

/* Appends a record describing the bytes [offset, end) about to be replaced or cut off. */
static int recordOldBytes(ShimFile *file, uint8_t kind, sqlite3_int64 offset, sqlite3_int64 end) {
    sqlite3_int64 size = 0;
    int rc = file->real->pMethods->xFileSize(file->real, &size);
    if (rc != SQLITE_OK) return rc;
    sqlite3_int64 oldEnd = end < size ? end : size;
    int64_t length = oldEnd > offset ? oldEnd - offset : 0;
    size_t total = sizeof(struct UndoRecord) + (size_t)length;
    char *buffer = malloc(total);
    if (!buffer) return SQLITE_NOMEM;
    struct UndoRecord record = {kind, offset, length, size};
    memcpy(buffer, &record, sizeof record);
    if (length > 0) {
        rc = file->real->pMethods->xRead(file->real, buffer + sizeof record, (int)length, offset);
        if (rc != SQLITE_OK) { free(buffer); return rc; }
    }
    rc = appendAll(file->undoLog, buffer, total) == 0 ? SQLITE_OK : SQLITE_IOERR_WRITE;
    free(buffer);
    return rc;
}

static int shimWrite(sqlite3_file *base, const void *data, int amount, sqlite3_int64 offset) {
    ShimFile *file = (ShimFile *)base;
    if (file->undoLog < 0) return file->real->pMethods->xWrite(file->real, data, amount, offset);
    pthread_mutex_lock(&threadsOfThisProcess); flock(file->undoLog, LOCK_EX);
    int rc = recordOldBytes(file, RECORD_WRITE, offset, offset + amount);
    if (rc == SQLITE_OK) rc = file->real->pMethods->xWrite(file->real, data, amount, offset);
    flock(file->undoLog, LOCK_UN); pthread_mutex_unlock(&threadsOfThisProcess);
    return rc;
}

static int shimTruncate(sqlite3_file *base, sqlite3_int64 size) {
    ShimFile *file = (ShimFile *)base;
    if (file->undoLog < 0) return file->real->pMethods->xTruncate(file->real, size);
    pthread_mutex_lock(&threadsOfThisProcess); flock(file->undoLog, LOCK_EX);
    int rc = recordOldBytes(file, RECORD_TRUNCATE, size, INT64_MAX);
    if (rc == SQLITE_OK) rc = file->real->pMethods->xTruncate(file->real, size);
    flock(file->undoLog, LOCK_UN); pthread_mutex_unlock(&threadsOfThisProcess);
    return rc;
}

static int shimSync(sqlite3_file *base, int flags) {
    ShimFile *file = (ShimFile *)base;
    if (file->undoLog < 0) return file->real->pMethods->xSync(file->real, flags);
    pthread_mutex_lock(&threadsOfThisProcess); flock(file->undoLog, LOCK_EX);
    int rc = file->real->pMethods->xSync(file->real, flags);
    if (rc == SQLITE_OK) {
        struct UndoRecord marker = {RECORD_SYNC, 0, 0, 0};
        if (appendAll(file->undoLog, &marker, sizeof marker) != 0) rc = SQLITE_IOERR_FSYNC;
    }
    flock(file->undoLog, LOCK_UN); pthread_mutex_unlock(&threadsOfThisProcess);
    return rc;
}

static int shimClose(sqlite3_file *base) {
    ShimFile *file = (ShimFile *)base;
    if (file->undoLog >= 0) close(file->undoLog);
    return file->real->pMethods->xClose(file->real);
}

/* Everything else is the platform's, unchanged. */
#define FORWARD(name, params, args) \
    static int shim##name params { return ((ShimFile *)base)->real->pMethods->x##name args; }
FORWARD(Read, (sqlite3_file *base, void *data, int amount, sqlite3_int64 offset), (((ShimFile *)base)->real, data, amount, offset))
FORWARD(FileSize, (sqlite3_file *base, sqlite3_int64 *size), (((ShimFile *)base)->real, size))
FORWARD(Lock, (sqlite3_file *base, int level), (((ShimFile *)base)->real, level))
FORWARD(Unlock, (sqlite3_file *base, int level), (((ShimFile *)base)->real, level))
FORWARD(CheckReservedLock, (sqlite3_file *base, int *out), (((ShimFile *)base)->real, out))
FORWARD(FileControl, (sqlite3_file *base, int op, void *arg), (((ShimFile *)base)->real, op, arg))
FORWARD(SectorSize, (sqlite3_file *base), (((ShimFile *)base)->real))
FORWARD(DeviceCharacteristics, (sqlite3_file *base), (((ShimFile *)base)->real))
FORWARD(ShmMap, (sqlite3_file *base, int page, int size, int extend, void volatile **out), (((ShimFile *)base)->real, page, size, extend, out))
FORWARD(ShmLock, (sqlite3_file *base, int offset, int n, int flags), (((ShimFile *)base)->real, offset, n, flags))
FORWARD(ShmUnmap, (sqlite3_file *base, int deleteFlag), (((ShimFile *)base)->real, deleteFlag))
static void shimShmBarrier(sqlite3_file *base) { ((ShimFile *)base)->real->pMethods->xShmBarrier(((ShimFile *)base)->real); }

/* Version 2: no memory-mapped reads (xFetch), so every byte SQLite sees went through xRead. */
static const sqlite3_io_methods shimMethods = {
    2, shimClose, shimRead, shimWrite, shimTruncate, shimSync, shimFileSize, shimLock, shimUnlock,
    shimCheckReservedLock, shimFileControl, shimSectorSize, shimDeviceCharacteristics,
    shimShmMap, shimShmLock, shimShmBarrier, shimShmUnmap, 0, 0,
};

static void undoLogPath(const char *name, char *path, size_t size) { snprintf(path, size, "%s-unsynced", name); }

static int shimOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *base, int flags, int *outFlags) {
    (void)vfs;
    ShimFile *file = (ShimFile *)base;
    file->real = (sqlite3_file *)&file[1];
    file->undoLog = -1;
    base->pMethods = 0;
    int rc = platform->xOpen(platform, name, file->real, flags, outFlags);
    if (rc != SQLITE_OK) return rc;
    if (name && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_WAL))) {
        char path[4096];
        undoLogPath(name, path, sizeof path);
        file->undoLog = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (file->undoLog < 0) {
            file->real->pMethods->xClose(file->real);
            return SQLITE_CANTOPEN;
        }
    }
    base->pMethods = &shimMethods;
    return SQLITE_OK;
}

/* A deleted journal or WAL takes its undo log with it: its writes are gone either way. */
static int shimDelete(sqlite3_vfs *vfs, const char *name, int syncDirectory) {
    (void)vfs;
    int rc = platform->xDelete(platform, name, syncDirectory);
    char path[4096];
    undoLogPath(name, path, sizeof path);
    unlink(path);
    return rc;
}

static int shimAccess(sqlite3_vfs *v, const char *n, int f, int *o) { (void)v; return platform->xAccess(platform, n, f, o); }
static int shimFullPathname(sqlite3_vfs *v, const char *n, int s, char *o) { (void)v; return platform->xFullPathname(platform, n, s, o); }
static void *shimDlOpen(sqlite3_vfs *v, const char *n) { (void)v; return platform->xDlOpen(platform, n); }
static void shimDlError(sqlite3_vfs *v, int s, char *o) { (void)v; platform->xDlError(platform, s, o); }
static void (*shimDlSym(sqlite3_vfs *v, void *h, const char *s))(void) { (void)v; return platform->xDlSym(platform, h, s); }
static void shimDlClose(sqlite3_vfs *v, void *h) { (void)v; platform->xDlClose(platform, h); }
static int shimRandomness(sqlite3_vfs *v, int n, char *o) { (void)v; return platform->xRandomness(platform, n, o); }
static int shimSleep(sqlite3_vfs *v, int us) { (void)v; return platform->xSleep(platform, us); }
static int shimCurrentTime(sqlite3_vfs *v, double *o) { (void)v; return platform->xCurrentTime(platform, o); }
static int shimGetLastError(sqlite3_vfs *v, int n, char *o) { (void)v; return platform->xGetLastError(platform, n, o); }
static int shimCurrentTimeInt64(sqlite3_vfs *v, sqlite3_int64 *o) { (void)v; return platform->xCurrentTimeInt64(platform, o); }

static void installUnsyncedWritesVFS(void) {
    platform = sqlite3_vfs_find(0);
    if (!platform) abort();
    shim = (sqlite3_vfs){
        2, (int)sizeof(ShimFile) + platform->szOsFile, platform->mxPathname, 0, "unsynced-writes", 0,
        shimOpen, shimDelete, shimAccess, shimFullPathname, shimDlOpen, shimDlError, shimDlSym,
        shimDlClose, shimRandomness, shimSleep, shimCurrentTime, shimGetLastError, shimCurrentTimeInt64,
        0, 0, 0,
    };
    if (sqlite3_vfs_register(&shim, 1) != SQLITE_OK) abort();
}

/* Installed at the first open, not in a constructor: registering initializes SQLite, and a
 * program may still want to call sqlite3_config() before its first open. */
static pthread_once_t installed = PTHREAD_ONCE_INIT;

int sqlite3_open_v2(const char *name, sqlite3 **db, int flags, const char *vfs) {
    static int (*next)(const char *, sqlite3 **, int, const char *);
    pthread_once(&installed, installUnsyncedWritesVFS);
    if (!next) next = (int (*)(const char *, sqlite3 **, int, const char *))dlsym(RTLD_NEXT, "sqlite3_open_v2");
    return next(name, db, flags, vfs);
}

int sqlite3_open(const char *name, sqlite3 **db) {
    return sqlite3_open_v2(name, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 0);
}
