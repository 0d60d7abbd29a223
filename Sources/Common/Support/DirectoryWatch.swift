import Glibc

/// Whether a directory's entries, or files it was told to watch, changed since it last asked:
/// one inotify descriptor, read without blocking. The kernel queues an event inside the writing
/// call itself, so a change whose write has returned is seen by the next `consumeChanges()`;
/// unlike comparing `stat` results, no change can hide within one tick of the file system's clock,
/// and a question costs one `read` however many files there are (issue 16: four `stat` calls per
/// delivery were 2% of webhook-fcgi's CPU with three action files).
///
/// Not thread-safe: its owner asks under its own lock, and reads what changed under the same lock,
/// since the answer consumes the events.
public final class DirectoryWatch {
    public let directory: String
    private let descriptor: Int32
    private var directoryWatch: Int32 = -1
    private var fileWatches: Set<Int32> = []
    /// Set at first and when a file's watch is new: what changed before it was placed is unknown.
    private var assumeChanged = true
    private var buffer = [UInt8](repeating: 0, count: 16 * 1024)

    /// Anything that can change what a file holds or which files the directory lists. Files are
    /// also watched by path, which follows a symbolic link: an action file that links elsewhere
    /// (a configuration manager's tree, a Kubernetes ConfigMap) is seen when its target changes.
    private static let directoryEvents = UInt32(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY | IN_CLOSE_WRITE
                                                | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
    private static let fileEvents = UInt32(IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

    public init(directory: String) {
        self.directory = directory
        descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// False when the kernel gave no inotify instance (fs.inotify.max_user_instances reached):
    /// then every question answers "changed", which is correct and slower.
    public var isWatching: Bool { descriptor >= 0 }

    /// True the first time, after any event, and when the directory's watch was just placed (it did
    /// not exist, or was removed or moved, and now exists again). A directory that does not exist
    /// and did not before is no change.
    public func consumeChanges() -> Bool {
        guard descriptor >= 0 else { return true }
        var changed = assumeChanged
        assumeChanged = false
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            changed = true
            forEachEvent(in: count) { watch, mask in
                // The directory itself went away (IN_IGNORED follows IN_DELETE_SELF; a move keeps
                // the watch on the moved directory, which is no longer the one configured).
                if mask & UInt32(IN_IGNORED) != 0 { fileWatches.remove(watch) }
                if watch == directoryWatch && mask & UInt32(IN_IGNORED | IN_MOVE_SELF) != 0 {
                    if mask & UInt32(IN_MOVE_SELF) != 0 { inotify_rm_watch(descriptor, watch) }
                    directoryWatch = -1
                }
            }
        }
        if directoryWatch < 0 {
            directoryWatch = inotify_add_watch(descriptor, directory, DirectoryWatch.directoryEvents)
            if directoryWatch >= 0 { changed = true }
        }
        return changed
    }

    /// Watches these files too (after each read of the directory); a path that cannot be watched
    /// is left to the directory's watch. A file watched for the first time may have changed between
    /// its read and now, so the next question answers "changed" once more.
    public func watchFiles(_ paths: [String]) {
        guard descriptor >= 0 else { return }
        for path in paths {
            let watch = inotify_add_watch(descriptor, path, DirectoryWatch.fileEvents)
            if watch >= 0 && watch != directoryWatch && fileWatches.insert(watch).inserted { assumeChanged = true }
        }
    }

    private func forEachEvent(in count: Int, _ body: (Int32, UInt32) -> Void) {
        buffer.withUnsafeBytes { bytes in
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= count {
                let watch = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                let nameLength = bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)
                body(watch, mask)
                offset += header + Int(nameLength)
            }
        }
    }
}
