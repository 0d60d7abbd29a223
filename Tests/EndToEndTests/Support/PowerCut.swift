import Foundation
import TestSupport

/// A simulated power cut for the program's SQLite files: the VFS shim in
/// `Tests/PowerLoss/unsynced_writes_vfs.c`, preloaded into webhook-fcgi, keeps an undo log of every
/// write not yet covered by a sync; after the processes are stopped and killed, `discardUnsyncedWrites`
/// puts back what those writes replaced, leaving the files as a disk that lost its cache would.
enum PowerCut {
    /// The shim, compiled once per test process with the toolchain's C compiler.
    static let shimLibrary: Result<String, TestFailure> = {
        let source = Paths.repository + "/Tests/PowerLoss/unsynced_writes_vfs.c"
        guard let compiler = findCompiler() else { return .failure(TestFailure("no C compiler (clang or cc) on PATH")) }
        do {
            let output = try Paths.newRunDirectory("vfs-shim") + "/unsynced_writes_vfs.so"
            let built = try run(compiler, ["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-o", output, source, "-lsqlite3", "-ldl"])
            guard built.status == 0 else { return .failure(TestFailure("the VFS shim did not compile: \(built.stderr)")) }
            return .success(output)
        } catch {
            return .failure(TestFailure("\(error)"))
        }
    }()

    private static func findCompiler() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/opt/swift/usr/bin", "/usr/bin"]
        for name in ["clang", "cc"] {
            for directory in directories where FileManager.default.isExecutableFile(atPath: directory + "/" + name) {
                return directory + "/" + name
            }
        }
        return nil
    }

    /// Undoes, newest first, every write and truncation after the last sync of the database, its
    /// journal and its WAL, then drops the undo logs and the shared-memory index (memory, which a
    /// power cut does not keep). Returns how many writes and truncations it undid.
    @discardableResult
    static func discardUnsyncedWrites(database: String) throws -> Int {
        var discarded = 0
        for file in [database, database + "-journal", database + "-wal"] {
            let logPath = file + "-unsynced"
            guard let log = FileManager.default.contents(atPath: logPath) else { continue }
            let records = try UndoRecord.parse(Array(log))
            let unsynced = records.lastIndex(where: { $0.kind == .sync }).map { records[($0 + 1)...] } ?? records[...]
            if !unsynced.isEmpty {
                let fd = open(file, O_RDWR)
                guard fd >= 0 else { throw TestFailure("cannot open \(file) to discard its unsynced writes") }
                defer { close(fd) }
                for record in unsynced.reversed() {
                    guard ftruncate(fd, off_t(record.sizeBefore)) == 0,
                          record.oldBytes.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, off_t(record.offset)) }) == record.oldBytes.count
                    else { throw TestFailure("cannot restore \(file)") }
                    discarded += 1
                }
            }
            unlink(logPath)
        }
        unlink(database + "-shm")
        return discarded
    }
}

/// One record of the shim's undo log (the C struct UndoRecord, packed, little-endian).
struct UndoRecord {
    enum Kind: UInt8 { case write = 0x57, truncate = 0x54, sync = 0x53 }
    let kind: Kind
    let offset: Int
    let sizeBefore: Int
    let oldBytes: [UInt8]

    static let headerSize = 25

    static func parse(_ bytes: [UInt8]) throws -> [UndoRecord] {
        var records: [UndoRecord] = []
        var position = 0
        func int64(at index: Int) -> Int {
            (0..<8).reduce(0) { $0 | Int(bytes[index + $1]) << (8 * $1) }
        }
        while position < bytes.count {
            if position + headerSize > bytes.count { break }  // a last header cut short, as above
            guard let kind = Kind(rawValue: bytes[position]) else { throw TestFailure("undo log damaged at byte \(position)") }
            let length = int64(at: position + 9)
            let start = position + headerSize
            guard length >= 0 else { throw TestFailure("undo log damaged at byte \(position)") }
            // The shim writes a record before the change it describes: a last record cut short
            // (its process was killed inside that write) stands for a change never made.
            if start + length > bytes.count { break }
            records.append(UndoRecord(kind: kind, offset: int64(at: position + 1), sizeBefore: int64(at: position + 17),
                                      oldBytes: Array(bytes[start..<start + length])))
            position = start + length
        }
        return records
    }
}

extension TestStack {
    /// The moment of the cut: every process of the program is stopped at once (SIGSTOP, so nothing
    /// runs after the first is frozen), then killed; waits until none is left.
    func freezeAndKillProgram() {
        guard let program, program.isRunning else { return }
        var processes: [Int32] = []
        // kill() returns before the process stops; a SIGKILL that reached a process still inside a
        // write() would cut the write short, which no power cut does. Wait until all are frozen,
        // and freeze again any child the supervisor forked before it was frozen itself.
        _ = eventually(30) {
            let current = [program.processIdentifier] + workerPIDs()
            for pid in current where !processes.contains(pid) { kill(pid, SIGSTOP); processes.append(pid) }
            return processes.allSatisfy { isStopped($0) || !isAlive($0) } && Set(workerPIDs()).isSubset(of: processes)
        }
        for pid in processes { kill(pid, SIGKILL) }
        program.waitUntilExit()
        _ = eventually(10) { processes.allSatisfy { !isAlive($0) } }
    }
}

/// A process stopped by a signal (state T in /proc/PID/stat).
private func isStopped(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return stat[close...].hasPrefix(") T")
}

/// A process that exists and is not a zombie.
private func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return !stat[close...].hasPrefix(") Z")
}
