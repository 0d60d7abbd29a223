import Foundation
import Testing

/// Storage that cannot take a write answers 503 (so GitHub records a failure that can be
/// redelivered), stores nothing, and the service recovers by itself once the fault is gone.
@Suite(.serialized) struct StorageFaultTests {
    /// Makes files unwritable even for root: the immutable attribute as root, the mode otherwise.
    func makeReadOnly(_ paths: [String], _ readOnly: Bool) throws {
        for path in paths where FileManager.default.fileExists(atPath: path) {
            let result = getuid() == 0
                ? try run("/usr/bin/chattr", [readOnly ? "+i" : "-i", path])
                : try run("/bin/chmod", [readOnly ? "0400" : "0600", path])
            guard result.status == 0 else { throw TestFailure("cannot change \(path): \(result.stderr)") }
        }
    }

    @Test func aReadOnlyDatabaseAnswers503ThenRecovers() throws {
        let stack = try TestStack(name: "readonly")
        let body = Array(#"{"zen":"z"}"#.utf8)
        #expect(try stack.deliver(event: "ping", body: body).status == 200)
        // The database and its WAL. Not the -shm file: SQLite maps it into memory, and ext4 answers a
        // write to a mapped page of an immutable file with SIGBUS, a fault no operator action causes.
        let files = [stack.databasePath, stack.databasePath + "-wal"]
        try makeReadOnly(files, true)
        defer { try? makeReadOnly(files, false) }
        let refused = newDeliveryID()
        for _ in 0..<4 {  // every worker, whichever takes the request
            let result = try stack.deliver(event: "ping", body: body, id: refused)
            #expect(result.status == 503)
            #expect(result.json?["message"] as? String == "Storage unavailable, try again later")
        }
        try makeReadOnly(files, false)
        #expect(try stack.sql("SELECT count(*) FROM events WHERE delivery_id = '\(refused)'") == "0")
        #expect(try stack.deliver(event: "ping", body: body, id: refused).status == 200)
        #expect(try stack.sql("SELECT count(*) FROM events WHERE delivery_id = '\(refused)'") == "1")
    }

    @Test func aMissingDatabaseDirectoryAnswers503UntilItExists() throws {
        let directory = try Paths.newRunDirectory("nodir")
        let databaseDirectory = directory + "/data"
        let stack = try TestStack(name: "nodir", databasePath: databaseDirectory + "/hubsync.db")
        let body = Array(#"{"zen":"z"}"#.utf8)
        let refused = try stack.deliver(event: "ping", body: body)
        #expect(refused.status == 503 && refused.json?["message"] as? String == "Storage unavailable, try again later")
        try FileManager.default.createDirectory(atPath: databaseDirectory, withIntermediateDirectories: true)
        #expect(try stack.deliver(event: "ping", body: body).status == 200)
    }

    /// A directory the program cannot write in matters when SQLite must create a file there: the
    /// database itself, or its WAL and shared-memory index after a clean stop removed them.
    /// Files already open are still written (chattr +i on a directory does not touch its files).
    @Test func aDirectoryNotWritableAnswers503UntilItIs() throws {
        let databaseDirectory = try Paths.newRunDirectory("dirlocked") + "/data"
        try FileManager.default.createDirectory(atPath: databaseDirectory, withIntermediateDirectories: true)
        let databasePath = databaseDirectory + "/hubsync.db"
        try makeReadOnly([databaseDirectory], true)
        defer { try? makeReadOnly([databaseDirectory], false) }
        let stack = try TestStack(name: "dirlocked", databasePath: databasePath)
        let body = Array(#"{"zen":"z"}"#.utf8)

        // No database yet, and none can be made.
        let first = newDeliveryID()
        let refused = try stack.deliver(event: "ping", body: body, id: first)
        #expect(refused.status == 503 && refused.json?["message"] as? String == "Storage unavailable, try again later")
        #expect(!FileManager.default.fileExists(atPath: databasePath))
        try makeReadOnly([databaseDirectory], false)
        #expect(try stack.deliver(event: "ping", body: body, id: first).status == 200)

        // Made unwritable while the database is open: its files are open and still written.
        try makeReadOnly([databaseDirectory], true)
        let whileOpen = newDeliveryID()
        #expect(try stack.deliver(event: "ping", body: body, id: whileOpen).status == 200)

        // A clean stop, the directory fixed just long enough for SQLite to remove its WAL and index,
        // then unwritable again: the next start cannot recreate them.
        try makeReadOnly([databaseDirectory], false)
        stack.stopProgram()
        // The last connection to close removes the WAL, and workers closing together may each leave
        // it to the other. So one more connection, which must read the file: "SELECT 1" touches no
        // table, so SQLite never opens the WAL for it and its close leaves the WAL where it was.
        _ = try stack.sql("SELECT count(*) FROM sqlite_schema")
        #expect(!FileManager.default.fileExists(atPath: databasePath + "-wal"))
        try makeReadOnly([databaseDirectory], true)
        try stack.startProgramAgain()
        let afterRestart = newDeliveryID()
        let refusedAfterRestart = try stack.deliver(event: "ping", body: body, id: afterRestart)
        #expect(refusedAfterRestart.status == 503 && refusedAfterRestart.json?["message"] as? String == "Storage unavailable, try again later")
        try makeReadOnly([databaseDirectory], false)
        #expect(try stack.deliver(event: "ping", body: body, id: afterRestart).status == 200)
        #expect(try stack.sql("SELECT count(*) FROM events WHERE delivery_id IN ('\(first)', '\(whileOpen)', '\(afterRestart)')") == "3")
        #expect(try stack.sql("PRAGMA integrity_check") == "ok")
    }

    @Test func aDatabaseLockedPastTheBusyTimeoutAnswers503() throws {
        let stack = try TestStack(name: "locked")
        let body = Array(#"{"zen":"z"}"#.utf8)
        #expect(try stack.deliver(event: "ping", body: body).status == 200)
        // Another process holds the write lock for 3 s; the busy timeout is 500 ms.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", """
            import sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            time.sleep(3)
            db.execute("COMMIT")
            """, stack.databasePath]
        let output = Pipe()
        holder.standardOutput = output
        try holder.run()
        var said = ""  // a pipe may hand the line over in pieces
        while !said.hasSuffix("\n"), case let piece = output.fileHandleForReading.availableData, !piece.isEmpty {
            said += String(decoding: piece, as: UTF8.self)
        }
        #expect(said == "locked\n")
        let id = newDeliveryID()
        let result = try stack.deliver(event: "ping", body: body, id: id)
        #expect(result.status == 503)
        holder.waitUntilExit()
        #expect(try stack.sql("SELECT count(*) FROM events WHERE delivery_id = '\(id)'") == "0")
        #expect(try stack.deliver(event: "ping", body: body, id: id).status == 200)
    }

    /// A full disk: the database on a small tmpfs the test mounts and fills. A delivery that cannot
    /// be committed answers 503 and leaves nothing; once space is free, the same delivery is stored.
    @Test func aFullDiskAnswers503StoresNothingAndRecovers() throws {
        let mountPoint = try Paths.newRunDirectory("diskfull") + "/small"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mounted = try run("/bin/mount", ["-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", mountPoint])
        try #require(mounted.status == 0, "this test mounts a tmpfs and needs root: \(mounted.stderr)")
        defer { _ = try? run("/bin/umount", ["-l", mountPoint]) }
        var stack: TestStack? = try TestStack(name: "diskfull", databasePath: mountPoint + "/hubsync.db")
        defer { stack?.stop(); stack = nil }
        let body = Array(("{\"zen\":\"" + String(repeating: "z", count: 200_000) + "\"}").utf8)
        #expect(try stack!.deliver(event: "ping", body: body).status == 200)
        // Fill what is left of the filesystem.
        let filler = mountPoint + "/filler"
        _ = try run("/bin/dd", ["if=/dev/zero", "of=" + filler, "bs=64k"])
        let refused = newDeliveryID()
        var statuses: [Int] = []
        for _ in 0..<3 { statuses.append(try stack!.deliver(event: "ping", body: body, id: refused).status) }
        #expect(statuses.allSatisfy { $0 == 503 }, "\(statuses)")
        try FileManager.default.removeItem(atPath: filler)
        #expect(try stack!.sql("SELECT count(*) FROM events WHERE delivery_id = '\(refused)'") == "0")
        #expect(try stack!.deliver(event: "ping", body: body, id: refused).status == 200)
        #expect(try stack!.sql("SELECT count(*) FROM events WHERE delivery_id = '\(refused)'") == "1")
        #expect(try stack!.sql("PRAGMA integrity_check") == "ok")
    }

    /// The database deleted while workers run: 503 and nothing stored (not a write into the
    /// unlinked file, which no one would ever read again), until a file is restored at the path;
    /// a file replaced under them is used from the next delivery on.
    @Test func aDeletedOrReplacedDatabaseIsNoticedNotWrittenBlindly() throws {
        let stack = try TestStack(name: "deleted", listener: .supervised(workers: 1))
        let body = Array(#"{"zen":"z"}"#.utf8)
        #expect(try stack.deliver(event: "ping", body: body, id: "before").status == 200)
        let backup = stack.directory + "/backup.db"
        let copied = try run(Paths.program("hubsync"), ["backup", backup],
                             environment: ["HUBSYNC_DB": stack.databasePath, "HUBSYNC_CONFIG": "/dev/null", "PATH": "/usr/bin:/bin"])
        try #require(copied.status == 0, "\(copied.stderr)")
        for suffix in ["", "-wal", "-shm"] { unlink(stack.databasePath + suffix) }
        let during = try stack.deliver(event: "ping", body: body, id: "while-deleted")
        #expect(during.status == 503, "\(during.text)")
        #expect(!FileManager.default.fileExists(atPath: stack.databasePath))  // no empty database quietly started

        // Restored from the backup: the delivery GitHub retries is stored in it, beside the old one.
        try FileManager.default.copyItem(atPath: backup, toPath: stack.databasePath)
        #expect(try stack.deliver(event: "ping", body: body, id: "while-deleted").status == 200)
        #expect(try stack.sql("SELECT group_concat(delivery_id, ' ') FROM (SELECT delivery_id FROM events ORDER BY id)") == "before while-deleted")

        // Replaced under the running worker by another copy: the next delivery goes into the new file.
        let replacement = stack.directory + "/replacement.db"
        try FileManager.default.copyItem(atPath: backup, toPath: replacement)
        for suffix in ["-wal", "-shm"] { unlink(stack.databasePath + suffix) }
        #expect(rename(replacement, stack.databasePath) == 0)
        #expect(try stack.deliver(event: "ping", body: body, id: "after-replace").status == 200)
        #expect(try stack.sql("SELECT group_concat(delivery_id, ' ') FROM (SELECT delivery_id FROM events ORDER BY id)") == "before after-replace")
        #expect(try stack.sql("PRAGMA integrity_check") == "ok")
    }
}
