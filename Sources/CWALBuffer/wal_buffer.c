/*
 * A SQLite VFS that buffers the writes to a WAL file and hands them to the file system in one
 * write per transaction, instead of SQLite's two writes per frame (its 24-byte header, then its
 * page). make bench's deliveries take about 11 frames each, so the writer thread made some 22
 * pwrite calls per delivery, under the store's lock; measured on the project's machines one
 * pwrite of 40 frames costs a fifth of 80 small ones (docs/stack-notes.md, fact 14).
 *
 * Everything else (the database file, journals, shared memory, locks) goes straight to the VFS
 * that was the default when this one was registered (the platform's, or the power-loss test's
 * shim, which must see every write and sync).
 *
 * When the buffer reaches the file matters, since other connections read the WAL as soon as the
 * wal-index says a frame exists:
 *  - A commit's last frame (the frame header whose "database size after commit" is not zero, then
 *    its page; https://sqlite.org/fileformat2.html#walformat) is written through at once, so a
 *    failed write fails the COMMIT, before SQLite publishes the frames in the wal-index.
 *  - Anything that reads, sizes, truncates, syncs or controls the WAL writes the buffer first, and
 *    so does the shared-memory barrier that SQLite calls before publishing a new wal-index header
 *    (a safety net: the commit already wrote everything).
 *  - Writes that do not follow the buffer's end (a rewritten frame, a restarted WAL) and a buffer
 *    past its limit write it first.
 * A failed write of the buffer drops it and fails every later call on the file: SQLite believed
 * those bytes written, so the connection must not go on (the store reopens it after an I/O error),
 * and the sync that would have acknowledged them fails.
 * The buffer has a mutex: GroupCommitWriter syncs a connection's WAL from another thread while the
 * connection writes the next transaction. The sync itself runs outside the mutex.
 */
#include "wal_buffer.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* Below 128 KiB: the unix VFS writes at most 0x1ffff bytes per call (seekAndWrite masks the
 * length with it), and a write of exactly 128 KiB would be taken for one of 0 bytes. */
#define BUFFER_LIMIT (120 * 1024)
#define FRAME_HEADER_SIZE 24

typedef struct BufferedFile BufferedFile;
struct BufferedFile {
    sqlite3_file base;
    sqlite3_io_methods methods; /* ours, at the version of the real file's */
    sqlite3_file *real;         /* the parent VFS's file, allocated right after this struct */
    int isWAL;
    BufferedFile *database;     /* a WAL: its database file; a database: its open WAL (wal) */
    BufferedFile *wal;
    /* A WAL's buffer: `used` bytes to be written at `start`. */
    pthread_mutex_t mutex;
    unsigned char *buffer;
    int used;
    int capacity;
    sqlite3_int64 start;
    int commitPageFollows;
    int failure; /* the error of a failed write of the buffer, returned by every later call */
};

static sqlite3_vfs *parent;
static sqlite3_vfs bufferedVFS;

static sqlite3_file *realFile(sqlite3_file *file) { return ((BufferedFile *)file)->real; }

/* Writes the buffer out; called with the mutex held. */
static int flushLocked(BufferedFile *file) {
    if (file->failure != SQLITE_OK) return file->failure;
    if (file->used == 0) return SQLITE_OK;
    int rc = file->real->pMethods->xWrite(file->real, file->buffer, file->used, file->start);
    file->used = 0;
    if (rc != SQLITE_OK) file->failure = rc;
    return rc;
}

static int flush(BufferedFile *file) {
    pthread_mutex_lock(&file->mutex);
    int rc = flushLocked(file);
    pthread_mutex_unlock(&file->mutex);
    return rc;
}

static int bufferedClose(sqlite3_file *base) {
    BufferedFile *file = (BufferedFile *)base;
    int rc = SQLITE_OK;
    if (file->isWAL) {
        rc = flush(file);
        if (file->database && file->database->wal == file) file->database->wal = 0;
        pthread_mutex_destroy(&file->mutex);
        free(file->buffer);
    } else if (file->wal) {
        file->wal->database = 0;
    }
    int closed = file->real->pMethods->xClose(file->real);
    return rc != SQLITE_OK ? rc : closed;
}

static int bufferedRead(sqlite3_file *base, void *data, int amount, sqlite3_int64 offset) {
    BufferedFile *file = (BufferedFile *)base;
    if (file->isWAL) {
        int rc = flush(file);
        if (rc != SQLITE_OK) return rc;
    }
    return file->real->pMethods->xRead(file->real, data, amount, offset);
}

static int appendLocked(BufferedFile *file, const void *data, int amount, sqlite3_int64 offset) {
    int rc;
    if (file->used > 0 && (offset != file->start + file->used || file->used + amount > BUFFER_LIMIT)) {
        if ((rc = flushLocked(file)) != SQLITE_OK) return rc;
    }
    if ((rc = file->failure) != SQLITE_OK) return rc;
    if (amount > BUFFER_LIMIT) return file->real->pMethods->xWrite(file->real, data, amount, offset);
    if (file->used + amount > file->capacity) {
        int capacity = file->capacity ? file->capacity : 64 * 1024;
        while (capacity < file->used + amount) capacity *= 2;
        if (capacity > BUFFER_LIMIT) capacity = BUFFER_LIMIT;
        unsigned char *grown = realloc(file->buffer, (size_t)capacity);
        if (!grown) {
            if ((rc = flushLocked(file)) != SQLITE_OK) return rc;
            return file->real->pMethods->xWrite(file->real, data, amount, offset);
        }
        file->buffer = grown;
        file->capacity = capacity;
    }
    if (file->used == 0) file->start = offset;
    memcpy(file->buffer + file->used, data, (size_t)amount);
    file->used += amount;
    return SQLITE_OK;
}

static int bufferedWrite(sqlite3_file *base, const void *data, int amount, sqlite3_int64 offset) {
    BufferedFile *file = (BufferedFile *)base;
    if (!file->isWAL) return file->real->pMethods->xWrite(file->real, data, amount, offset);
    pthread_mutex_lock(&file->mutex);
    int endsCommit = file->commitPageFollows;
    const unsigned char *bytes = data;
    file->commitPageFollows = amount == FRAME_HEADER_SIZE && (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
    int rc = appendLocked(file, data, amount, offset);
    if (rc == SQLITE_OK && endsCommit) rc = flushLocked(file);
    pthread_mutex_unlock(&file->mutex);
    return rc;
}

static int bufferedTruncate(sqlite3_file *base, sqlite3_int64 size) {
    BufferedFile *file = (BufferedFile *)base;
    if (file->isWAL) {
        int rc = flush(file);
        if (rc != SQLITE_OK) return rc;
    }
    return file->real->pMethods->xTruncate(file->real, size);
}

static int bufferedSync(sqlite3_file *base, int flags) {
    BufferedFile *file = (BufferedFile *)base;
    if (file->isWAL) {
        int rc = flush(file);
        if (rc != SQLITE_OK) return rc;
    }
    return file->real->pMethods->xSync(file->real, flags);
}

static int bufferedFileSize(sqlite3_file *base, sqlite3_int64 *size) {
    BufferedFile *file = (BufferedFile *)base;
    if (file->isWAL) {
        int rc = flush(file);
        if (rc != SQLITE_OK) return rc;
    }
    return file->real->pMethods->xFileSize(file->real, size);
}

static int bufferedFileControl(sqlite3_file *base, int op, void *argument) {
    BufferedFile *file = (BufferedFile *)base;
    if (file->isWAL) {
        int rc = flush(file);
        if (rc != SQLITE_OK) return rc;
    }
    return file->real->pMethods->xFileControl(file->real, op, argument);
}

static void bufferedShmBarrier(sqlite3_file *base) {
    BufferedFile *file = (BufferedFile *)base;
    if (file->wal) (void)flush(file->wal);
    file->real->pMethods->xShmBarrier(file->real);
}

static int bufferedLock(sqlite3_file *f, int l) { return realFile(f)->pMethods->xLock(realFile(f), l); }
static int bufferedUnlock(sqlite3_file *f, int l) { return realFile(f)->pMethods->xUnlock(realFile(f), l); }
static int bufferedCheckReservedLock(sqlite3_file *f, int *o) { return realFile(f)->pMethods->xCheckReservedLock(realFile(f), o); }
static int bufferedSectorSize(sqlite3_file *f) { return realFile(f)->pMethods->xSectorSize(realFile(f)); }
static int bufferedDeviceCharacteristics(sqlite3_file *f) { return realFile(f)->pMethods->xDeviceCharacteristics(realFile(f)); }
static int bufferedShmMap(sqlite3_file *f, int r, int s, int e, void volatile **p) { return realFile(f)->pMethods->xShmMap(realFile(f), r, s, e, p); }
static int bufferedShmLock(sqlite3_file *f, int o, int n, int l) { return realFile(f)->pMethods->xShmLock(realFile(f), o, n, l); }
static int bufferedShmUnmap(sqlite3_file *f, int d) { return realFile(f)->pMethods->xShmUnmap(realFile(f), d); }
static int bufferedFetch(sqlite3_file *f, sqlite3_int64 o, int a, void **p) { return realFile(f)->pMethods->xFetch(realFile(f), o, a, p); }
static int bufferedUnfetch(sqlite3_file *f, sqlite3_int64 o, void *p) { return realFile(f)->pMethods->xUnfetch(realFile(f), o, p); }

static int bufferedOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *base, int flags, int *outFlags) {
    (void)vfs;
    BufferedFile *file = (BufferedFile *)base;
    memset(file, 0, sizeof *file);
    file->real = (sqlite3_file *)&file[1];
    int rc = parent->xOpen(parent, name, file->real, flags, outFlags);
    if (rc != SQLITE_OK || !file->real->pMethods) {
        base->pMethods = 0;
        return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
    }
    const sqlite3_io_methods *real = file->real->pMethods;
    file->methods = (sqlite3_io_methods){
        real->iVersion, bufferedClose, bufferedRead, bufferedWrite, bufferedTruncate, bufferedSync, bufferedFileSize,
        bufferedLock, bufferedUnlock, bufferedCheckReservedLock, bufferedFileControl, bufferedSectorSize,
        bufferedDeviceCharacteristics,
        real->iVersion >= 2 ? bufferedShmMap : 0, real->iVersion >= 2 ? bufferedShmLock : 0,
        real->iVersion >= 2 ? bufferedShmBarrier : 0, real->iVersion >= 2 ? bufferedShmUnmap : 0,
        real->iVersion >= 3 ? bufferedFetch : 0, real->iVersion >= 3 ? bufferedUnfetch : 0,
    };
    if ((flags & SQLITE_OPEN_WAL) && name) {
        file->isWAL = 1;
        pthread_mutex_init(&file->mutex, 0);
        /* The database file was opened through this VFS too (a connection's files share one). */
        BufferedFile *database = (BufferedFile *)sqlite3_database_file_object(name);
        if (database && database->base.pMethods && database->base.pMethods->xClose == bufferedClose) {
            file->database = database;
            database->wal = file;
        }
    }
    base->pMethods = &file->methods;
    return SQLITE_OK;
}

static int vfsDelete(sqlite3_vfs *v, const char *n, int s) { (void)v; return parent->xDelete(parent, n, s); }
static int vfsAccess(sqlite3_vfs *v, const char *n, int f, int *o) { (void)v; return parent->xAccess(parent, n, f, o); }
static int vfsFullPathname(sqlite3_vfs *v, const char *n, int s, char *o) { (void)v; return parent->xFullPathname(parent, n, s, o); }
static void *vfsDlOpen(sqlite3_vfs *v, const char *n) { (void)v; return parent->xDlOpen(parent, n); }
static void vfsDlError(sqlite3_vfs *v, int s, char *o) { (void)v; parent->xDlError(parent, s, o); }
static void (*vfsDlSym(sqlite3_vfs *v, void *h, const char *s))(void) { (void)v; return parent->xDlSym(parent, h, s); }
static void vfsDlClose(sqlite3_vfs *v, void *h) { (void)v; parent->xDlClose(parent, h); }
static int vfsRandomness(sqlite3_vfs *v, int n, char *o) { (void)v; return parent->xRandomness(parent, n, o); }
static int vfsSleep(sqlite3_vfs *v, int us) { (void)v; return parent->xSleep(parent, us); }
static int vfsCurrentTime(sqlite3_vfs *v, double *o) { (void)v; return parent->xCurrentTime(parent, o); }
static int vfsGetLastError(sqlite3_vfs *v, int n, char *o) { (void)v; return parent->xGetLastError(parent, n, o); }
static int vfsCurrentTimeInt64(sqlite3_vfs *v, sqlite3_int64 *o) { (void)v; return parent->xCurrentTimeInt64(parent, o); }

static const char *registeredName;

static void registerVFS(void) {
    /* Open (and close) a database first, so that a VFS installed at the first open, the power-loss
     * test's shim, is installed now and becomes the parent. */
    sqlite3 *probe = 0;
    sqlite3_open_v2(":memory:", &probe, SQLITE_OPEN_READWRITE, 0);
    sqlite3_close_v2(probe);
    parent = sqlite3_vfs_find(0);
    if (!parent || parent->iVersion < 2) return;
    /* The real file sits right after ours (whose size, a multiple of 8, keeps it aligned). */
    bufferedVFS = (sqlite3_vfs){
        2, (int)sizeof(BufferedFile) + parent->szOsFile, parent->mxPathname, 0, "hubsync-wal-buffer", 0,
        bufferedOpen, vfsDelete, vfsAccess, vfsFullPathname, vfsDlOpen, vfsDlError, vfsDlSym, vfsDlClose,
        vfsRandomness, vfsSleep, vfsCurrentTime, vfsGetLastError, vfsCurrentTimeInt64, 0, 0, 0,
    };
    if (sqlite3_vfs_register(&bufferedVFS, 0) == SQLITE_OK) registeredName = bufferedVFS.zName;
}

static pthread_once_t registration = PTHREAD_ONCE_INIT;

const char *hubsync_wal_buffer_vfs(void) {
    pthread_once(&registration, registerVFS);
    return registeredName;
}
