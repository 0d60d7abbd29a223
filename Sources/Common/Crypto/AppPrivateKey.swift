import Glibc
internal import COpenSSL

/// The GitHub App's RSA private key (`GITHUB_APP_PEM_PATH`): the only owner of its `EVP_PKEY`.
/// PKCS#1 (`BEGIN RSA PRIVATE KEY`, what GitHub hands out) and PKCS#8 are accepted; keys under 2048
/// bits and passphrase-protected keys are refused when the key is loaded, not when it is first used.
public final class AppPrivateKey: @unchecked Sendable {
    private let key: OpaquePointer  // EVP_PKEY*, immutable after init; OpenSSL allows concurrent signing

    public convenience init(path: String) throws(CryptoError) {
        let pem: [UInt8]
        do {
            pem = try readSmallFile(path, limit: 65536)
        } catch {
            if error.errorNumber == ENOENT { throw .keyFileMissing(path: path) }
            throw .keyFileUnreadable(path: path, reason: error.reason)
        }
        try self.init(pem: pem)
    }

    public init(pem: [UInt8]) throws(CryptoError) {
        if pem.firstRange(of: Array("ENCRYPTED".utf8)) != nil { throw .encryptedKey }
        ERR_clear_error()
        let parsed: OpaquePointer? = pem.withUnsafeBytes { bytes in
            guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { return nil }
            defer { BIO_free(bio) }
            // A passphrase callback that answers nothing: an encrypted key fails instead of prompting.
            return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let parsed else { ERR_clear_error(); throw .notAnRSAKey }
        key = parsed  // owned from here: deinit frees it even if a check below throws
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else { throw .notAnRSAKey }
        let bits = Int(EVP_PKEY_get_bits(key))
        guard bits >= 2048 else { throw .keyTooSmall(bits: bits) }
    }

    deinit { EVP_PKEY_free(key) }

    public var bits: Int { Int(EVP_PKEY_get_bits(key)) }

    /// RSASSA-PKCS1-v1_5 with SHA-256 (JWS `RS256`, RFC 7518 section 3.3) over `message`.
    public func signRS256(_ message: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw .openSSL("cannot allocate a digest context") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else { throw .openSSL(lastOpenSSLError()) }
        var length = 0
        let sized = message.withUnsafeBufferPointer { EVP_DigestSign(context, nil, &length, $0.baseAddress, $0.count) }
        guard sized == 1 else { throw .openSSL(lastOpenSSLError()) }
        var signature = [UInt8](repeating: 0, count: length)
        let signed = message.withUnsafeBufferPointer { input in
            signature.withUnsafeMutableBufferPointer { EVP_DigestSign(context, $0.baseAddress, &length, input.baseAddress, input.count) }
        }
        guard signed == 1 else { throw .openSSL(lastOpenSSLError()) }
        return Array(signature.prefix(length))
    }
}

func lastOpenSSLError() -> String {
    let code = ERR_get_error()
    guard code != 0 else { return "unknown error" }
    var buffer = [CChar](repeating: 0, count: 256)
    ERR_error_string_n(code, &buffer, buffer.count)
    return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
