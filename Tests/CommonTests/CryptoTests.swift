import Foundation
import Testing
@testable import Common

/// A reference tool's exit status and standard output.
func command(_ path: String, _ arguments: [String], input: [UInt8]? = nil) throws -> (status: Int32, output: [UInt8]) {
    let result = try runProcess(path, arguments, input: input)
    return (result.status, result.output)
}

@Suite struct AppJWTTests {
    /// `openssl genrsa` takes the key size last, after the options.
    func generateKey(_ directory: TemporaryDirectory, _ name: String, _ arguments: [String], bits: String? = nil) throws -> String {
        let path = directory.path + "/" + name
        #expect(try command("/usr/bin/openssl", arguments + ["-out", path] + (bits.map { [$0] } ?? [])).status == 0)
        return path
    }

    /// RS256 is RSASSA-PKCS1-v1_5, which is deterministic: our signature must equal openssl's over
    /// the same signing input, byte for byte.
    @Test func signsExactlyAsOpenSSLDoesWithGitHubsClaims() throws {
        let directory = try TemporaryDirectory()
        let pem = try generateKey(directory, "app.pem", ["genrsa", "-traditional"], bits: "2048")  // PKCS#1, as GitHub hands out
        #expect(String(decoding: try readBytes(pem), as: UTF8.self).hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        let now = Timestamp(microsecondsSinceEpoch: 1_764_151_977_000_000)
        let jwt = try AppJWT.make(key: AppPrivateKey(path: pem), issuer: "Iv1.ab1112223334445c", now: now)
        let parts = jwt.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        #expect(try JSONParser.parse(Base64URL.decode(parts[0])!) == ["alg": "RS256", "typ": "JWT"])
        let claims = try JSONParser.parse(Base64URL.decode(parts[1])!)
        #expect(claims["iss"] == "Iv1.ab1112223334445c")
        #expect(claims["iat"]?.int64Value == now.secondsSinceEpoch - 60)
        #expect(claims["exp"]?.int64Value == now.secondsSinceEpoch + 540)
        #expect(claims["exp"]!.int64Value! - claims["iat"]!.int64Value! <= 600)
        let reference = try command("/usr/bin/openssl", ["dgst", "-sha256", "-sign", pem], input: Array((parts[0] + "." + parts[1]).utf8))
        #expect(reference.status == 0)
        #expect(Base64URL.decode(parts[2]) == reference.output)
    }

    @Test func acceptsPKCS8AndUsesTheAppIDWhenNoClientID() throws {
        let directory = try TemporaryDirectory()
        let pem = try generateKey(directory, "app.pem", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        #expect(String(decoding: try readBytes(pem), as: UTF8.self).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let jwt = try AppJWT.make(configuration: Configuration(databasePath: "/unused", appID: "4242", appPrivateKeyPath: pem), now: .now())
        #expect(try JSONParser.parse(Base64URL.decode(String(jwt.split(separator: ".")[1]))!)["iss"] == "4242")
    }

    @Test func refusesWeakEncryptedMissingAndNonRSAKeysWithTheModulesMessage() throws {
        let directory = try TemporaryDirectory()
        let weak = try generateKey(directory, "weak.pem", ["genrsa"], bits: "1024")
        let encrypted = try generateKey(directory, "encrypted.pem", ["genrsa", "-aes256", "-passout", "pass:secret"], bits: "2048")
        let ec = try generateKey(directory, "ec.pem", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        try writeFile(directory.path + "/garbage.pem", "not a key")
        let expectations: [(String, String)] = [
            (weak, "Failed to generate JWT: the RSA key has 1024 bits; at least 2048 are required"),
            (encrypted, "Failed to generate JWT: the key is encrypted with a passphrase; use the unencrypted PEM GitHub hands out"),
            (ec, "Failed to generate JWT: not an RSA private key in PEM form"),
            (directory.path + "/garbage.pem", "Failed to generate JWT: not an RSA private key in PEM form"),
            (directory.path + "/missing.pem", "Failed to generate JWT: \(directory.path)/missing.pem does not exist"),
        ]
        for (path, message) in expectations {
            do {
                _ = try AppJWT.make(configuration: Configuration(databasePath: "/unused", appID: "1", appPrivateKeyPath: path), now: .now())
                Issue.record("\(path) was accepted")
            } catch {
                #expect(error.description == message)
            }
        }
    }
}

@Suite struct SecretBoxTests {
    /// "The Galois/Counter Mode of Operation" (McGrew, Viega), test case 16: AES-256, 96-bit IV, with AAD.
    @Test func publishedGCMVector() throws {
        let key = hexBytes("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
        let (ciphertext, tag) = try SecretBox.encrypt(
            key: key, nonce: hexBytes("cafebabefacedbaddecaf888"),
            plaintext: hexBytes("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"),
            associatedData: hexBytes("feedfacedeadbeeffeedfacedeadbeefabaddad2"))
        #expect(lowercaseHex(ciphertext) == "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662")
        #expect(lowercaseHex(tag) == "76fc6ece0f4e1768cddf8853bb2d551b")
    }

    @Test func sealsWithAFreshNonceAndRefusesTamperingOrAnotherPlace() throws {
        let box = SecretBox(key: try randomBytes(32))
        let secret = Array("ghs_16C7e42F292c6912E7710c838347Ae178B4a".utf8)
        let first = try box.seal(secret, associatedData: "installation-token:42")
        let second = try box.seal(secret, associatedData: "installation-token:42")
        #expect(first != second)  // random nonce
        #expect(first.firstRange(of: secret) == nil)
        #expect(try box.open(first, associatedData: "installation-token:42") == secret)
        #expect(throws: CryptoError.authenticationFailed) { try box.open(first, associatedData: "installation-token:43") }
        var tampered = first
        tampered[20] ^= 1
        #expect(throws: CryptoError.authenticationFailed) { try box.open(tampered, associatedData: "installation-token:42") }
        #expect(throws: CryptoError.authenticationFailed) { try SecretBox(key: try randomBytes(32)).open(first, associatedData: "installation-token:42") }
        #expect(throws: CryptoError.sealedBoxMalformed) { try box.open([1, 2, 3], associatedData: "x") }
    }

    @Test func theKeyFileIsCreatedPrivateAndRefusedWhenOthersCanReadIt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/hubsync.key"
        let key = try KeyFile.loadOrCreate(path: path)
        #expect(key.count == 32)
        #expect(fileMode(path) == 0o600)
        #expect(try KeyFile.loadOrCreate(path: path) == key)
        chmod(path, 0o640)
        #expect(throws: CryptoError.keyFileTooOpen(path: path, mode: 0o640)) { try KeyFile.load(path: path) }
        // The secrets key may be read by the group webhook-fcgi runs in; never written by it, never read by others.
        #expect(try KeyFile.load(path: path, groupMayRead: true) == key)
        chmod(path, 0o660)
        #expect(throws: CryptoError.keyFileTooOpen(path: path, mode: 0o660)) { try KeyFile.load(path: path, groupMayRead: true) }
        chmod(path, 0o644)
        #expect(throws: CryptoError.keyFileTooOpen(path: path, mode: 0o644)) { try KeyFile.load(path: path, groupMayRead: true) }
        chmod(path, 0o600)
        try writeFile(path, "short")
        #expect(throws: CryptoError.keyFileMalformed(path: path)) { try KeyFile.load(path: path) }
    }

    /// Processes started together (two `hubsync token` runs, a worker and the callback) race to
    /// create the key: every one of them must end up with the same, whole key.
    @Test func racingCreatorsAllGetTheSameWholeKey() throws {
        for round in 0..<20 {
            let directory = try TemporaryDirectory()
            let path = directory.path + "/hubsync.key"
            let keys = KeyRace(count: 8)
            DispatchQueue.concurrentPerform(iterations: 8) { index in keys.set(index, try? KeyFile.loadOrCreate(path: path)) }
            #expect(Set(keys.values.map { $0?.description ?? "failed" }).count == 1, "round \(round)")
            #expect(keys.values.allSatisfy { $0?.count == 32 })
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["hubsync.key"])  // no temporary left
        }
    }
}

private final class KeyRace: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [[UInt8]?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: [UInt8]?) { lock.lock(); values[index] = value; lock.unlock() }
}

@Suite struct EncodingTests {
    /// RFC 4648, section 10 (the URL-safe alphabet has no padding here).
    @Test func base64URLVectors() {
        for (plain, encoded) in [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")] {
            #expect(Base64URL.encode(plain) == encoded)
            #expect(Base64URL.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(Base64URL.decode("a+b/") == nil)
        #expect(Base64URL.decode("abcde") == nil)
    }

    @Test func gitHubsTimestampForms() {
        #expect(Timestamp(iso8601: "2016-07-11T22:14:10Z")?.secondsSinceEpoch == 1_468_275_250)
        #expect(Timestamp(iso8601: "2021-04-28T22:32:50.000-04:00")?.secondsSinceEpoch == 1_619_663_570)
        #expect(Timestamp(iso8601: "2026-11-26T10:12:57.123Z")?.iso8601 == "2026-11-26T10:12:57.123Z")
        for bad in ["", "2016-07-11", "2016-07-11T22:14:10", "2016-13-11T22:14:10Z", "2016-07-11T22:14:10Zjunk", "yesterday"] {
            #expect(Timestamp(iso8601: bad) == nil, "\(bad)")
        }
    }
}

func hexBytes(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}
