internal import COpenSSL

/// Secrets at rest (tokens, refresh tokens, webhook secrets): AES-256-GCM with a fresh random
/// 96-bit nonce per value. A sealed value is nonce (12) || ciphertext || tag (16). The associated
/// data binds a value to its place (e.g. "installation-token:42"), so a ciphertext copied into
/// another row does not decrypt there.
public struct SecretBox: Sendable {
    public static let keyByteCount = 32
    static let nonceByteCount = 12
    static let tagByteCount = 16
    private let key: [UInt8]

    public init(key: [UInt8]) {
        precondition(key.count == SecretBox.keyByteCount, "AES-256 needs a 32-byte key")
        self.key = key
    }

    public func seal(_ plaintext: [UInt8], associatedData: String) throws(CryptoError) -> [UInt8] {
        let nonce = try randomBytes(SecretBox.nonceByteCount)
        let (ciphertext, tag) = try SecretBox.encrypt(key: key, nonce: nonce, plaintext: plaintext, associatedData: Array(associatedData.utf8))
        return nonce + ciphertext + tag
    }

    public func open(_ sealed: [UInt8], associatedData: String) throws(CryptoError) -> [UInt8] {
        guard sealed.count >= SecretBox.nonceByteCount + SecretBox.tagByteCount else { throw .sealedBoxMalformed }
        let nonce = Array(sealed.prefix(SecretBox.nonceByteCount))
        let tag = Array(sealed.suffix(SecretBox.tagByteCount))
        let ciphertext = Array(sealed.dropFirst(SecretBox.nonceByteCount).dropLast(SecretBox.tagByteCount))
        return try SecretBox.decrypt(key: key, nonce: nonce, ciphertext: ciphertext, tag: tag, associatedData: Array(associatedData.utf8))
    }

    /// The raw AES-256-GCM encryption (for published test vectors): ciphertext and 16-byte tag.
    static func encrypt(key: [UInt8], nonce: [UInt8], plaintext: [UInt8], associatedData: [UInt8]) throws(CryptoError) -> ([UInt8], [UInt8]) {
        try withCipherContext { context throws(CryptoError) in
            guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
                  EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonce.count), nil) == 1,
                  EVP_EncryptInit_ex(context, nil, nil, key, nonce) == 1
            else { throw .openSSL(lastOpenSSLError()) }
            var length: Int32 = 0
            if !associatedData.isEmpty {
                guard EVP_EncryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1 else {
                    throw .openSSL(lastOpenSSLError())
                }
            }
            var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
            var written: Int32 = 0
            if !plaintext.isEmpty {
                guard EVP_EncryptUpdate(context, &ciphertext, &written, plaintext, Int32(plaintext.count)) == 1 else {
                    throw .openSSL(lastOpenSSLError())
                }
            }
            var final: Int32 = 0
            let finished = ciphertext.withUnsafeMutableBufferPointer { EVP_EncryptFinal_ex(context, $0.baseAddress! + Int(written), &final) }
            guard finished == 1 else { throw .openSSL(lastOpenSSLError()) }
            var tag = [UInt8](repeating: 0, count: tagByteCount)
            guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagByteCount), &tag) == 1 else {
                throw .openSSL(lastOpenSSLError())
            }
            return (Array(ciphertext.prefix(Int(written + final))), tag)
        }
    }

    static func decrypt(key: [UInt8], nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8], associatedData: [UInt8]) throws(CryptoError) -> [UInt8] {
        try withCipherContext { context throws(CryptoError) in
            guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
                  EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonce.count), nil) == 1,
                  EVP_DecryptInit_ex(context, nil, nil, key, nonce) == 1
            else { throw .openSSL(lastOpenSSLError()) }
            var length: Int32 = 0
            if !associatedData.isEmpty {
                guard EVP_DecryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1 else {
                    throw .openSSL(lastOpenSSLError())
                }
            }
            var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
            var written: Int32 = 0
            if !ciphertext.isEmpty {
                guard EVP_DecryptUpdate(context, &plaintext, &written, ciphertext, Int32(ciphertext.count)) == 1 else {
                    throw .authenticationFailed
                }
            }
            var expectedTag = tag
            guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tag.count), &expectedTag) == 1 else {
                throw .openSSL(lastOpenSSLError())
            }
            var final: Int32 = 0
            // The tag is checked here, in constant time by OpenSSL; nothing is returned on mismatch.
            let verified = plaintext.withUnsafeMutableBufferPointer { EVP_DecryptFinal_ex(context, $0.baseAddress! + Int(written), &final) }
            guard verified == 1 else { ERR_clear_error(); throw .authenticationFailed }
            return Array(plaintext.prefix(Int(written + final)))
        }
    }

    private static func withCipherContext<T>(_ body: (OpaquePointer) throws(CryptoError) -> T) throws(CryptoError) -> T {
        guard let context = EVP_CIPHER_CTX_new() else { throw .openSSL("cannot allocate a cipher context") }
        defer { EVP_CIPHER_CTX_free(context) }
        return try body(context)
    }
}

/// Bytes from OpenSSL's CSPRNG.
public func randomBytes(_ count: Int) throws(CryptoError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw .openSSL(lastOpenSSLError()) }
    return bytes
}
