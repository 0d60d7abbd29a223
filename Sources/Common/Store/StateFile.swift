import Glibc

/// Files beside the database (the database itself, the writers' lock, the token lock) are created
/// with a mode that follows their directory: 0660 when the directory's group may write in it, else
/// 0600, whatever the umask. The .deb's /var/lib/pulser-hub-sync is 0770, shared by the service
/// user and webhook-fcgi's user through the service's group (README, "Least privilege"); a
/// directory of one user (tests, `make run`) keeps the files private to that user. SQLite gives the
/// -wal and -shm files the database file's mode.
enum StateFile {
    /// Creates `path` if it does not exist, with the mode its directory calls for; an existing file
    /// is left alone (never opened: see SQLiteConnection on closing a database's descriptors).
    static func create(_ path: String) {
        guard access(path, F_OK) != 0 else { return }
        let mode = mode(forNewFileIn: directory(of: path))
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { return }  // another process created it first, or the open below reports why not
        fchmod(fd, mode)  // the umask may have taken bits away
        close(fd)
    }

    static func mode(forNewFileIn directory: String) -> mode_t {
        var info = stat()
        guard stat(directory, &info) == 0 else { return 0o600 }
        return info.st_mode & 0o070 == 0o070 ? 0o660 : 0o600
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
