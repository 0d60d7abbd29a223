import Foundation


/// A fresh directory under /tmp, removed when the value goes away.
public final class TemporaryDirectory {
    public let path: String

    public init() throws {
        var template = Array("/tmp/hubsync-test-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw FileError(description: "mkdtemp failed") }
        path = String(cString: created)
    }

    deinit { _ = system("rm -rf '\(path)'") }
}

public struct FileError: Error, CustomStringConvertible {
    public init(description: String) { self.description = description }
    public let description: String
}
