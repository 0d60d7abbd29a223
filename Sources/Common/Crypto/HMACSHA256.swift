internal import COpenSSL

/// HMAC-SHA256 (RFC 2104) over OpenSSL's one-shot `HMAC()`: the only file that calls it.
public enum HMACSHA256 {
    public static let digestByteCount = 32

    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: digestByteCount)
        var length: UInt32 = 0
        let result = key.withUnsafeBufferPointer { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                digest.withUnsafeMutableBufferPointer { out in
                    // An empty array may have no base address; HMAC() takes a valid pointer and a 0 length.
                    HMAC(EVP_sha256(), keyBuffer.baseAddress ?? UnsafePointer(out.baseAddress!), Int32(keyBuffer.count),
                         messageBuffer.baseAddress ?? UnsafePointer(out.baseAddress!), messageBuffer.count,
                         out.baseAddress, &length)
                }
            }
        }
        // HMAC() fails only when OpenSSL cannot allocate; a webhook cannot be verified without it.
        precondition(result != nil && length == UInt32(digestByteCount), "OpenSSL HMAC-SHA256 failed")
        return digest
    }
}
