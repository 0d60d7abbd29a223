import Testing
@testable import Common

@Suite struct HMACTests {
    /// The Standard Webhooks specification's published vector (its reference libraries' tests).
    @Test func standardWebhooksSignatureMatchesThePublishedVector() throws {
        let key = try #require(StandardWebhookSignature.key(fromSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        #expect(StandardWebhookSignature.header(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
                                                body: Array(#"{"test": 2432232314}"#.utf8), key: key)
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(StandardWebhookSignature.key(fromSecret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == nil, "no whsec_ prefix")
        #expect(StandardWebhookSignature.key(fromSecret: "whsec_c2hvcnQ=") == nil, "5 bytes")
        #expect(StandardWebhookSignature.key(fromSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS_") == nil, "the URL-safe alphabet")
        #expect(Base64URL.decodeStandard("YWJjZA==") == Array("abcd".utf8) && Base64URL.decodeStandard("YWJjZA") == Array("abcd".utf8))
        #expect(Base64URL.decodeStandard("YW=JjZA=") == nil && Base64URL.decodeStandard("YWJjZA===") == nil)
    }

    /// GitHub's published example (docs/github-protocol.md, section 2).
    @Test func gitHubPublishedVector() {
        let secret = Array("It's a Secret to Everybody".utf8)
        let body = Array("Hello, World!".utf8)
        #expect(lowercaseHex(HMACSHA256.authenticationCode(key: secret, message: body))
                == "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
        #expect(HubSignature.header(for: body, secret: secret)
                == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
    }

    /// RFC 4231, test cases 1, 2 and 6 (a key longer than the block size).
    @Test(arguments: [
        ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ([UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    ])
    func rfc4231(key: [UInt8], message: [UInt8], expected: String) {
        #expect(lowercaseHex(HMACSHA256.authenticationCode(key: key, message: message)) == expected)
    }

    @Test func emptyKeyAndEmptyMessage() {
        // Python: hmac.new(b"", b"", "sha256").hexdigest()
        #expect(lowercaseHex(HMACSHA256.authenticationCode(key: [], message: []))
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }
}

@Suite struct HubSignatureTests {
    let secret = Array("It's a Secret to Everybody".utf8)
    let body = Array("Hello, World!".utf8)
    let valid = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    @Test func acceptsGitHubsForm() throws {
        let signature = try #require(HubSignature(header: valid))
        #expect(signature.matchingSecretIndex(body: body, secrets: [secret]) == 0)
    }

    @Test func findsTheSecretThatMatchesDuringRotation() throws {
        let signature = try #require(HubSignature(header: valid))
        #expect(signature.matchingSecretIndex(body: body, secrets: [Array("new".utf8), secret]) == 1)
        #expect(signature.matchingSecretIndex(body: body, secrets: [Array("other".utf8)]) == nil)
    }

    @Test func rejectsAChangedBody() throws {
        let signature = try #require(HubSignature(header: valid))
        #expect(signature.matchingSecretIndex(body: Array("Hello, World?".utf8), secrets: [secret]) == nil)
    }

    @Test(arguments: [
        nil, "", "sha256=", "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17",
        "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17 ",
        "SHA256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17,sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    ] as [String?])
    func refusesEverythingElse(header: String?) {
        #expect(HubSignature(header: header) == nil)
    }

    @Test func constantTimeComparisonComparesValuesNotIdentity() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([0, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(constantTimeEquals([], []))
    }
}

/// The signature comparison does not exit early: whatever byte first differs (or none), every byte
/// of both digests is read and combined (the code: Sources/Common/Crypto/ConstantTime.swift).
struct ConstantTimeComparisonTests {
    /// 32 bytes that record which of their indices were read.
    final class CountingBytes: RandomAccessCollection {
        let bytes: [UInt8]
        private(set) var reads: [Int] = []
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        var startIndex: Int { 0 }
        var endIndex: Int { bytes.count }
        subscript(position: Int) -> UInt8 {
            reads.append(position)
            return bytes[position]
        }
    }

    @Test func everyByteIsReadWhereverTheFirstDifferenceIs() {
        let expected = HMACSHA256.authenticationCode(key: Array("secret".utf8), message: Array("body".utf8))
        for position in [nil] + (0..<32).map(Optional.some) {
            var received = expected
            if let position { received[position] ^= 0x01 }
            let lhs = CountingBytes(expected), rhs = CountingBytes(received)
            #expect(constantTimeEquals(lhs, rhs) == (position == nil))
            #expect(lhs.reads == Array(0..<32) && rhs.reads == Array(0..<32), "first difference at \(String(describing: position))")
        }
    }

    @Test func onlyALengthDifferenceAnswersAtOnce() {
        let lhs = CountingBytes(Array(repeating: 1, count: 32)), rhs = CountingBytes(Array(repeating: 1, count: 31))
        #expect(!constantTimeEquals(lhs, rhs))
        #expect(lhs.reads.isEmpty)  // lengths are public: a digest is always 32 bytes
    }
}
