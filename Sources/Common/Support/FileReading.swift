import Glibc

/// Why a file could not be read: the path and strerror's text.
public struct FileReadError: Error, Equatable {
    public let path: String
    public let errorNumber: Int32
    public var reason: String { String(cString: strerror(errorNumber)) }
}

/// The whole file at `path`, up to `limit` bytes (configuration and key files are small; a huge
/// file there is a mistake, not something to load).
public func readSmallFile(_ path: String, limit: Int = 1 << 20) throws(FileReadError) -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw FileReadError(path: path, errorNumber: errno) }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while bytes.count <= limit {
        let count = fread(&chunk, 1, chunk.count, file)
        bytes.append(contentsOf: chunk[0..<count])
        if count < chunk.count { break }
    }
    guard ferror(file) == 0 else { throw FileReadError(path: path, errorNumber: EIO) }
    return bytes
}
