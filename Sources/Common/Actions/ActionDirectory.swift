import Glibc

/// The actions of `HUBSYNC_ACTIONS_DIR`: every `NAME.action` file in it (not in subdirectories),
/// in name order. A missing directory is no actions; each file that cannot be read or is refused
/// is reported with the others (`hubsync actions check` lists them all at once).
public struct ActionDirectory: Sendable {
    public var path: String
    public var actions: [ActionDefinition]
    public var errors: [ActionFileError]

    /// An action file is a few lines; anything larger is not one.
    static let maximumFileBytes = 64 * 1024

    public static func load(_ path: String) -> ActionDirectory {
        var result = ActionDirectory(path: path, actions: [], errors: [])
        guard let directory = opendir(path) else {
            if errno != ENOENT {
                result.errors.append(ActionFileError(path: path, line: nil, reason: "cannot read the directory: \(String(cString: strerror(errno)))"))
            }
            return result
        }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasSuffix(ActionFile.fileExtension) && !name.hasPrefix(".") { names.append(name) }
        }
        closedir(directory)
        for name in names.sorted() {
            let file = path.hasSuffix("/") ? path + name : path + "/" + name
            let bytes: [UInt8]
            do {
                bytes = try readSmallFile(file, limit: maximumFileBytes)
            } catch {
                result.errors.append(ActionFileError(path: file, line: nil, reason: "cannot read: \(error.reason)"))
                continue
            }
            guard bytes.count <= maximumFileBytes else {
                result.errors.append(ActionFileError(path: file, line: nil, reason: "larger than \(maximumFileBytes / 1024) KiB"))
                continue
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                result.errors.append(ActionFileError(path: file, line: nil, reason: "not UTF-8 text"))
                continue
            }
            do {
                result.actions.append(try ActionFile.parse(text, path: file))
            } catch {
                result.errors.append(error)
            }
        }
        return result
    }
}
