import Glibc
@testable import Common

/// A fresh directory under the system's temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/hubsync-test-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw SocketError(description: "mkdtemp failed") }
        path = String(cString: created)
    }

    deinit { _ = system("rm -rf '\(path)'") }
}

func writeFile(_ path: String, _ text: String) throws {
    guard let file = fopen(path, "w") else { throw SocketError(description: "cannot write \(path)") }
    fputs(text, file)
    fclose(file)
}

func fileMode(_ path: String) -> mode_t? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return info.st_mode & 0o777
}
