#ifndef HUBSYNC_WAL_BUFFER_H
#define HUBSYNC_WAL_BUFFER_H

/// The name of a SQLite VFS that writes each transaction's WAL frames with one write call instead
/// of two per frame (wal_buffer.c), registered on the first call; NULL if it cannot be.
const char *hubsync_wal_buffer_vfs(void);

#endif
