import Glibc

/// The 32-byte key that seals secrets at rest (`HUBSYNC_KEY_FILE`). Created with mode 0600 when
/// absent; refused when group or others can read it, as ssh refuses an open private key.
public enum KeyFile {
    public static func loadOrCreate(path: String) throws(CryptoError) -> [UInt8] {
        if access(path, F_OK) != 0 {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 {
                let key = try randomBytes(SecretBox.keyByteCount)
                let written = key.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                fsync(fd)
                close(fd)
                guard written == key.count else { unlink(path); throw .keyFileUnreadable(path: path, reason: "short write") }
                return key
            }
            guard errno == EEXIST else { throw .keyFileUnreadable(path: path, reason: String(cString: strerror(errno))) }
            // Another process created it between our check and our open: read theirs.
        }
        return try load(path: path)
    }

    public static func load(path: String) throws(CryptoError) -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { throw .keyFileMissing(path: path) }
            throw .keyFileUnreadable(path: path, reason: String(cString: strerror(errno)))
        }
        guard info.st_mode & 0o077 == 0 else { throw .keyFileTooOpen(path: path, mode: UInt32(info.st_mode & 0o777)) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .keyFileUnreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var key = [UInt8](repeating: 0, count: SecretBox.keyByteCount + 1)
        let count = read(fd, &key, key.count)
        guard count == SecretBox.keyByteCount else { throw .keyFileMalformed(path: path) }
        return Array(key.prefix(SecretBox.keyByteCount))
    }
}
