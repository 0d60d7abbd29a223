/// Why a key or a sealed secret could not be used. Descriptions name the file and the reason,
/// never key material.
public enum CryptoError: Error, Equatable, CustomStringConvertible {
    case keyFileMissing(path: String)
    case keyFileUnreadable(path: String, reason: String)
    case keyFileTooOpen(path: String, mode: UInt32)
    case keyFileMalformed(path: String)
    case notAnRSAKey
    case encryptedKey
    case keyTooSmall(bits: Int)
    case sealedBoxMalformed
    case authenticationFailed
    case openSSL(String)

    public var description: String {
        switch self {
        case .keyFileMissing(let path): "\(path) does not exist"
        case .keyFileUnreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .keyFileTooOpen(let path, let mode):
            "\(path) is too open (mode \(String(mode, radix: 8))); run chmod 600 \(path)"
        case .keyFileMalformed(let path): "\(path) does not hold a 32-byte key"
        case .notAnRSAKey: "not an RSA private key in PEM form"
        case .encryptedKey: "the key is encrypted with a passphrase; use the unencrypted PEM GitHub hands out"
        case .keyTooSmall(let bits): "the RSA key has \(bits) bits; at least 2048 are required"
        case .sealedBoxMalformed: "a stored secret is malformed"
        case .authenticationFailed: "a stored secret does not decrypt with this key (wrong HUBSYNC_KEY_FILE?)"
        case .openSSL(let reason): "OpenSSL: \(reason)"
        }
    }
}
