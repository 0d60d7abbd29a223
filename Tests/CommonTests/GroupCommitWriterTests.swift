import Glibc
import Synchronization
import Testing
@testable import Common

@Suite struct GroupCommitWriterTests {
    func event(_ id: String) -> NewEvent {
        NewEvent(deliveryID: id, hookID: 1, event: "ping", action: nil, installationID: nil, repository: nil, sender: nil,
                 body: Array(#"{"zen":"x"}"#.utf8), contentType: "application/json", targetType: nil, targetID: nil,
                 receivedAt: .now())
    }

    /// `syncsAfterCommit`: the shipped FULL mode (commits unsynced, a syncer thread syncs the WAL
    /// before the requests are answered); otherwise SQLite syncs at COMMIT.
    func makeWriter(_ directory: TemporaryDirectory, maxBatchSize: Int = 64, syncsAfterCommit: Bool = false) -> (GroupCommitWriter, String) {
        let path = TestDatabase.location(in: directory, name: "h.db")
        let stores = StoreProvider(configuration: Configuration(databasePath: path, busyTimeoutMilliseconds: 1000), defersSync: syncsAfterCommit)
        return (GroupCommitWriter(stores: stores, maxBatchSize: maxBatchSize, logger: Logger(program: "test", minimumLevel: .error),
                                  syncsAfterCommit: syncsAfterCommit), path)
    }

    /// 16 threads x 50 deliveries each, with a duplicate of every delivery from another thread:
    /// every call returns only after its commit, duplicates are reported, and the writer shared
    /// commits between deliveries.
    @Test(arguments: [false, true])
    func concurrentDeliveriesShareCommitsAndDuplicatesAreReported(syncsAfterCommit: Bool) throws {
        let directory = try TemporaryDirectory()
        let (writer, path) = makeWriter(directory, syncsAfterCommit: syncsAfterCommit)
        let stored = Atomic<Int>(0), duplicates = Atomic<Int>(0), failures = Atomic<Int>(0)
        let threads = (0..<16).map { index in
            NativeThread { [self] in
                for number in 0..<50 {
                    // Threads 2k and 2k+1 send the same ids: a duplicate often lands in the same batch.
                    let id = "t\(index / 2)-\(number)"
                    do {
                        switch try writer.insert(event(id)) {
                        case .stored: stored.add(1, ordering: .relaxed)
                        case .duplicate: duplicates.add(1, ordering: .relaxed)
                        }
                    } catch {
                        failures.add(1, ordering: .relaxed)
                    }
                }
            }
        }
        for thread in threads { thread.join() }
        writer.stop()
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(stored.load(ordering: .relaxed) == 400)
        #expect(duplicates.load(ordering: .relaxed) == 400)
        let statistics = writer.currentStatistics
        #expect(statistics.items == 800)
        #expect(statistics.commits < 800, "no commit was shared: \(statistics)")
        #expect(statistics.largestBatch > 1)
        let store = try TestDatabase.eventStore(in: directory, name: "h.db")
        #expect(try store.count() == 400)
    }

    @Test func theBatchSizeIsBounded() throws {
        let directory = try TemporaryDirectory()
        let (writer, _) = makeWriter(directory, maxBatchSize: 4)
        let threads = (0..<12).map { index in NativeThread { [self] in for n in 0..<20 { _ = try? writer.insert(event("b\(index)-\(n)")) } } }
        for thread in threads { thread.join() }
        writer.stop()
        #expect(writer.currentStatistics.largestBatch <= 4)
        #expect(writer.currentStatistics.items == 240)
    }

    @Test func aRowThatFailsAConstraintFailsAloneInItsBatch() throws {
        let directory = try TemporaryDirectory()
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .full)
        // On PostgreSQL the failure ends the transaction, and the batch is applied again without it.
        try store.connection.execute(store.database.dialect == .sqlite ? """
            CREATE TEMP TRIGGER reject_poison BEFORE INSERT ON deliveries WHEN NEW.delivery_id = 'poison'
            BEGIN SELECT RAISE(ABORT, 'rejected by the test'); END
            """ : """
            CREATE FUNCTION reject_poison() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.delivery_id = 'poison' THEN RAISE EXCEPTION 'rejected by the test'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER reject_poison BEFORE INSERT ON deliveries FOR EACH ROW EXECUTE FUNCTION reject_poison();
            """)
        let results = try store.commit([.insert(event("a")), .insert(event("poison")), .insert(event("b"))])
        guard case .inserted(.stored) = results[0], case .failed(let error) = results[1], case .inserted(.stored) = results[2] else {
            Issue.record("\(results)")
            return
        }
        #expect("\(error)".contains("rejected by the test"))
        #expect(try store.count() == 2)
    }

    @Test func aFailedCommitFailsEveryItemOfTheBatch() throws {
        let directory = try TemporaryDirectory()
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .full)
        // A deferred foreign key that a trigger violates: checked, and failed, at COMMIT.
        try store.connection.execute(store.database.dialect == .sqlite ? """
            CREATE TEMP TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TEMP TABLE child (parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
            CREATE TEMP TRIGGER poison_commit AFTER INSERT ON deliveries WHEN NEW.delivery_id = 'poison'
            BEGIN INSERT INTO child VALUES (42); END
            """ : """
            CREATE TABLE parent (id bigint PRIMARY KEY);
            CREATE TABLE child (parent_id bigint REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
            CREATE FUNCTION poison_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.delivery_id = 'poison' THEN INSERT INTO child VALUES (42); END IF; RETURN NULL; END $$;
            CREATE TRIGGER poison_commit AFTER INSERT ON deliveries FOR EACH ROW EXECUTE FUNCTION poison_commit();
            """)
        #expect(throws: (any Error).self) { try store.commit([.insert(event("a")), .insert(event("poison"))]) }
        #expect(try store.count() == 0)
        #expect(store.connection.transactionState == .none)
    }

    @Test func aStorageFaultInOneItemFailsTheWholeBatchAndIsReportedAs503() throws {
        let directory = try TemporaryDirectory()
        let store = try TestDatabase.eventStore(in: directory, name: "h.db", syncMode: .full)
        // Every write now fails: SQLITE_READONLY, or PostgreSQL's read-only transaction (as on a
        // standby after a failover).
        let sqlite = store.database.dialect == .sqlite
        try store.connection.execute(sqlite ? "PRAGMA query_only = 1" : "SET default_transaction_read_only = on")
        do {
            _ = try store.commit([.insert(event("a")), .insert(event("b"))])
            Issue.record("a read-only store accepted a batch")
        } catch {
            #expect(isTransientStorageFault(error))
            #expect(errorResponse(for: error).response.status == 503)
        }
        try store.connection.execute(sqlite ? "PRAGMA query_only = 0" : "SET default_transaction_read_only = off")
        #expect(try store.count() == 0)
    }

    @Test(arguments: [false, true])
    func outcomesRideAlongAndFlushWaitsForThem(syncsAfterCommit: Bool) throws {
        let directory = try TemporaryDirectory()
        let (writer, path) = makeWriter(directory, syncsAfterCommit: syncsAfterCommit)
        guard case .stored(let id) = try writer.insert(event("o")) else { Issue.record("not stored"); return }
        writer.recordOutcome(id: id, EventOutcome(status: .processed, summary: ["ok": true]), at: .now())
        writer.flush()
        let store = try TestDatabase.eventStore(in: directory, name: "h.db")
        #expect(try store.event(id: id)?.status == .processed)
        writer.stop()
    }
}
