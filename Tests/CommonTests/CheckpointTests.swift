import Glibc
import Synchronization
import Testing
@testable import Common

/// The intake's checkpoints (Checkpointer) and WAL writes (the CWALBuffer VFS), on real files.
@Suite struct CheckpointTests {
    let logger = Logger(program: "test", minimumLevel: .error)

    func configuration(_ directory: TemporaryDirectory) -> Configuration {
        Configuration(databasePath: directory.path + "/h.db", busyTimeoutMilliseconds: 5000)
    }

    /// A delivery whose 12 KB body takes several WAL frames, like make bench's.
    func event(_ id: String) -> NewEvent {
        let body = Array(#"{"zen":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: 12_000) + Array(#""}"#.utf8)
        return NewEvent(deliveryID: id, hookID: 1, event: "ping", action: nil, installationID: nil, repository: nil, sender: nil,
                        body: body, contentType: "application/json", targetType: nil, targetID: nil, receivedAt: .now())
    }

    func walBytes(_ configuration: Configuration) -> Int {
        var info = stat()
        return stat(configuration.databasePath + "-wal", &info) == 0 ? Int(info.st_size) : 0
    }

    /// A connection that hands its checkpoints over never checkpoints itself: its WAL grows past
    /// SQLite's automatic 1,000 frames.
    @Test func aConnectionThatHandsOverCheckpointsDoesNotCheckpointItself() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(database: Database(path: configuration(directory).databasePath, syncMode: .normal,
                                                      busyTimeoutMilliseconds: 5000, handsOverCheckpoints: true))
        var frames: [Int] = []
        for number in 0..<400 {
            _ = try store.insert([event("d\(number)")])
            frames.append(store.database.sqlite!.walFramesAfterLastCommit)
        }
        #expect(frames == frames.sorted(), "the WAL was restarted, so something checkpointed it")
        #expect(frames.last! > 1_500)
    }

    /// Under a steady stream of commits from several threads, the checkpointer keeps the WAL near
    /// its threshold (it restarts from its start again and again), and everything is in the database.
    @Test func theCheckpointerKeepsTheWALSmallUnderSteadyWrites() throws {
        let directory = try TemporaryDirectory()
        let configuration = configuration(directory)
        let writer = GroupCommitWriter(
            stores: StoreProvider(configuration: configuration, defersSync: true, checkpointer: Checkpointer(configuration: configuration, logger: logger)),
            maxBatchSize: 64, logger: logger, syncsAfterCommit: true)
        let largestWAL = Atomic<Int>(0), failures = Atomic<Int>(0)
        let threads = (0..<8).map { index in
            NativeThread { [self] in
                for number in 0..<250 {
                    do { _ = try writer.insert(event("t\(index)-\(number)")) } catch { failures.add(1, ordering: .relaxed) }
                    if number % 10 == 0 { largestWAL.max(walBytes(configuration), ordering: .relaxed) }
                }
            }
        }
        threads.forEach { $0.join() }
        writer.stop()
        #expect(failures.load(ordering: .relaxed) == 0)
        // 2,000 deliveries of 4 frames and more make over 8,000 frames, 35 MB: a WAL that never
        // restarts holds them all. The restart threshold bounds it near 4,000 frames (16.5 MB).
        #expect(largestWAL.load(ordering: .relaxed) < 25_000_000)
        let check = try SQLiteConnection(path: configuration.databasePath, busyTimeoutMilliseconds: 5000)
        #expect(try check.scalarInt("SELECT count(*) FROM deliveries") == 2_000)
    }

    /// The buffering VFS writes a transaction's frames in a few calls, not two per frame, and
    /// another connection reads the commit as soon as it returns.
    @Test func aCommitsFramesAreWrittenInFewCallsAndSeenAtOnce() throws {
        let directory = try TemporaryDirectory()
        let path = configuration(directory).databasePath
        let store = try EventStore(path: path, syncMode: .normal, busyTimeoutMilliseconds: 5000)
        let reader = try SQLiteConnection(path: path, busyTimeoutMilliseconds: 5000)
        _ = try store.insert([event("warm-up")])
        for round in 0..<3 {
            let before = try writeCalls()
            _ = try store.insert((0..<8).map { event("r\(round)-\($0)") })  // 8 x 4 frames at least
            let calls = try writeCalls() - before
            #expect(calls < 16, "\(calls) write calls for a commit of 32 frames or more (SQLite alone makes 2 per frame)")
            #expect(try reader.scalarInt("SELECT count(*) FROM deliveries") == Int64(1 + 8 * (round + 1)))
        }
    }

    /// Write calls of this thread so far (`syscw` of /proc/thread-self/io: tests run in parallel).
    func writeCalls() throws -> Int {
        let text = String(decoding: try readBytes("/proc/thread-self/io"), as: UTF8.self)
        let line = try #require(text.split(separator: "\n").first(where: { $0.hasPrefix("syscw:") }))
        return try #require(Int(line.split(separator: " ").last ?? ""))
    }
}
