import Glibc

public func writeFile(_ path: String, _ text: String) throws {
    guard let file = fopen(path, "w") else { throw FileError(description: "cannot write \(path)") }
    fputs(text, file)
    fclose(file)
}

public func readBytes(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw FileError(description: "cannot read \(path)") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        bytes.append(contentsOf: chunk[0..<count])
        if count < chunk.count { break }
    }
    return bytes
}

public func fileMode(_ path: String) -> mode_t? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return info.st_mode & 0o777
}

/// The `.json` files in `directory`, sorted.
public func listJSONFiles(_ directory: String) throws -> [String] {
    guard let handle = opendir(directory) else { throw FileError(description: "cannot list \(directory)") }
    defer { closedir(handle) }
    var names: [String] = []
    while let entry = readdir(handle) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        if name.hasSuffix(".json") { names.append(name) }
    }
    return names.sorted()
}
