import Glibc
import Testing
import TestSupport
@testable import Common

/// The database and its lock files follow their directory: shared with the group (webhook-fcgi's
/// user) in the .deb's 0770 directory, private elsewhere, whatever the umask.
@Suite(.serialized) struct StateFileTests {
    @Test(arguments: [(0o770 as mode_t, 0o660 as mode_t), (0o700, 0o600), (0o750, 0o600)])
    func newDatabaseFilesTakeTheirModeFromTheDirectory(directoryMode: mode_t, fileMode expected: mode_t) throws {
        let directory = try TemporaryDirectory()
        chmod(directory.path, directoryMode)
        // (The usual umask 022 would turn 0660 into 0640: the group could not write.)
        let path = directory.path + "/hubsync.db"
        let database = try Database(path: path, syncMode: .full, busyTimeoutMilliseconds: 1000)
        try database.connection.execute("CREATE TABLE probe (x)")  // writes the WAL
        for file in [path, path + ".lock", path + "-wal"] {
            #expect(fileMode(file) == expected, "\(file)")
        }
    }

    @Test func anExistingFileKeepsItsMode() throws {
        let directory = try TemporaryDirectory()
        chmod(directory.path, 0o770)
        let path = directory.path + "/hubsync.db"
        StateFile.create(path)
        chmod(path, 0o600)
        StateFile.create(path)
        #expect(fileMode(path) == 0o600)
    }
}
