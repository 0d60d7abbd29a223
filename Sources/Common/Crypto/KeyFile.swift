import Glibc

/// A 32-byte key that seals secrets at rest. Created with mode 0600 when absent; refused when others
/// can read it, as ssh refuses an open private key. There are two, so that the internet-facing
/// receiver holds only what it needs (README, "Least privilege"):
/// - the secrets key (`HUBSYNC_KEY_FILE`) seals webhook secrets; webhook-fcgi, running as a user
///   of the service's group, reads it, so mode 0640 is accepted;
/// - the token key (`HUBSYNC_TOKEN_KEY_FILE`) seals installation tokens and signs install state;
///   only the service user may read it (0600), and webhook-fcgi never opens it.
public enum KeyFile {
    /// The key that seals webhook secrets, created when absent.
    public static func secretsKey(_ configuration: Configuration) throws(CryptoError) -> [UInt8] {
        try loadOrCreate(path: configuration.keyFilePath, groupMayRead: true)
    }

    /// The key that seals tokens and signs install state, created when absent.
    public static func tokenKey(_ configuration: Configuration) throws(CryptoError) -> [UInt8] {
        try loadOrCreate(path: configuration.tokenKeyFilePath, groupMayRead: false)
    }

    /// The secrets key if it exists: readers that must not create it (webhook-fcgi may run as a
    /// user that cannot write its directory; `secret list` and `doctor` only look).
    public static func existingSecretsKey(_ configuration: Configuration) throws(CryptoError) -> [UInt8] {
        try load(path: configuration.keyFilePath, groupMayRead: true)
    }

    /// The token key if it exists (`doctor` only looks).
    public static func existingTokenKey(_ configuration: Configuration) throws(CryptoError) -> [UInt8] {
        try load(path: configuration.tokenKeyFilePath, groupMayRead: false)
    }

    /// Creation is atomic: the key is written and synced under a temporary name, then linked into
    /// place, so a process that starts at the same moment never reads a half-written key; if two
    /// race, `link` lets one win and the other reads the winner's.
    public static func loadOrCreate(path: String, groupMayRead: Bool = false) throws(CryptoError) -> [UInt8] {
        if access(path, F_OK) != 0 {
            let temporary = path + ".new-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw .keyFileUnreadable(path: path, reason: "cannot create it: " + String(cString: strerror(errno))) }
            defer { unlink(temporary) }
            let key = try randomBytes(SecretBox.keyByteCount)
            let written = key.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            let synced = fsync(fd) == 0
            close(fd)
            guard written == key.count, synced else { throw .keyFileUnreadable(path: path, reason: "cannot write a new key") }
            if link(temporary, path) == 0 { return key }
            guard errno == EEXIST else { throw .keyFileUnreadable(path: path, reason: String(cString: strerror(errno))) }
            // Another process created it first: use theirs.
        }
        return try load(path: path, groupMayRead: groupMayRead)
    }

    /// `groupMayRead`: accept mode 0640 (never group write, never anything for others).
    public static func load(path: String, groupMayRead: Bool = false) throws(CryptoError) -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { throw .keyFileMissing(path: path) }
            throw .keyFileUnreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let forbidden: mode_t = groupMayRead ? 0o037 : 0o077
        guard info.st_mode & forbidden == 0 else { throw .keyFileTooOpen(path: path, mode: UInt32(info.st_mode & 0o777)) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .keyFileUnreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var key = [UInt8](repeating: 0, count: SecretBox.keyByteCount + 1)
        let count = read(fd, &key, key.count)
        guard count == SecretBox.keyByteCount else { throw .keyFileMalformed(path: path) }
        return Array(key.prefix(SecretBox.keyByteCount))
    }
}
