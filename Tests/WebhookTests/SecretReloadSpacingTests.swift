import Synchronization
import Testing
@testable import Common
@testable import Webhooks

/// Issue 14, point 6: forged signatures must not make every request re-read (and unseal) the
/// secrets under the cache's lock: a mismatch reads again at most once a second.
@Suite struct SecretReloadSpacingTests {
    @Test func mismatchReloadsAreSpacedOutButANewSecretIsFoundWithinASecond() throws {
        let directory = try TemporaryDirectory()
        var configuration = makeServices(in: directory).configuration
        configuration.keyFilePath = directory.path + "/h.key"
        let clock = Atomic<Int64>(1_764_151_977_000_000)
        let cache = WebhookSecretCache(configuration: configuration, logger: Logger(program: "test", minimumLevel: .error),
                                       now: { Timestamp(microsecondsSinceEpoch: clock.load(ordering: .relaxed)) })
        #expect(cache.current().map(\.value) == [Array(testSecret.utf8)])
        let store = WebhookSecretStore(database: try Database(configuration: configuration), key: try KeyFile.secretsKey(configuration))
        let rotated = Array("rotated-secret-0123456789abcdef".utf8)
        _ = try store.add(rotated, origin: "test")
        clock.add(400_000, ordering: .relaxed)
        #expect(!cache.reloadedAfterMismatch().map(\.value).contains(rotated), "read again within the spacing")
        clock.add(700_000, ordering: .relaxed)
        #expect(cache.reloadedAfterMismatch().map(\.value).contains(rotated))
    }
}
