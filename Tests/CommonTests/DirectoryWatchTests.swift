import Glibc
import Testing
import TestSupport
@testable import Common

/// The inotify watch behind the action catalog, on a real directory.
@Suite struct DirectoryWatchTests {
    let directory: TemporaryDirectory
    let watched: String

    init() throws {
        directory = try TemporaryDirectory()
        watched = directory.path + "/actions.d"
        #expect(mkdir(watched, 0o700) == 0)
    }

    @Test func eachChangeIsSeenOnceAndReadingIsNoChange() throws {
        let watch = DirectoryWatch(directory: watched)
        #expect(watch.isWatching)
        #expect(watch.consumeChanges())   // never read
        #expect(!watch.consumeChanges())
        try writeFile(watched + "/a.action", "EVENTS=*\n")
        #expect(watch.consumeChanges())
        #expect(!watch.consumeChanges())
        watch.watchFiles([watched + "/a.action"])
        #expect(watch.consumeChanges())   // a new file watch: what happened before it is unknown
        #expect(!watch.consumeChanges())
        _ = try readSmallFile(watched + "/a.action")
        #expect(!watch.consumeChanges())
        // Rewritten in place (the same inode), renamed over, removed: each seen at the next question.
        try writeFile(watched + "/a.action", "EVENTS=push\n")
        #expect(watch.consumeChanges())
        try writeFile(directory.path + "/new", "EVENTS=issues\n")
        #expect(rename(directory.path + "/new", watched + "/a.action") == 0)
        #expect(watch.consumeChanges())
        #expect(unlink(watched + "/a.action") == 0)
        #expect(watch.consumeChanges())
        #expect(!watch.consumeChanges())
    }

    @Test func aLinkedFilesTargetIsWatched() throws {
        try writeFile(directory.path + "/target", "EVENTS=*\n")
        #expect(symlink(directory.path + "/target", watched + "/linked.action") == 0)
        let watch = DirectoryWatch(directory: watched)
        _ = watch.consumeChanges()
        watch.watchFiles([watched + "/linked.action"])
        _ = watch.consumeChanges()
        #expect(!watch.consumeChanges())
        try writeFile(directory.path + "/target", "EVENTS=push\n")  // outside the directory
        #expect(watch.consumeChanges())
    }

    @Test func aDirectoryRemovedAndMadeAgainIsSeenAndAMissingOneIsNoChange() throws {
        let watch = DirectoryWatch(directory: watched)
        _ = watch.consumeChanges()
        #expect(rmdir(watched) == 0)
        #expect(watch.consumeChanges())
        #expect(!watch.consumeChanges())
        #expect(!watch.consumeChanges())
        mkdir(watched, 0o700)
        #expect(watch.consumeChanges())
        try writeFile(watched + "/b.action", "EVENTS=*\n")
        #expect(watch.consumeChanges())
        // Moved away: the configured path no longer names it, and a new one there is watched.
        #expect(rename(watched, directory.path + "/old.d") == 0)
        #expect(watch.consumeChanges())
        try writeFile(directory.path + "/old.d/b.action", "EVENTS=push\n")
        #expect(!watch.consumeChanges())
        mkdir(watched, 0o700)
        #expect(watch.consumeChanges())
    }
}
