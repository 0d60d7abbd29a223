import Foundation
import TestSupport

/// The built `hubsync` binary, run with a given environment.
enum HubSyncCommand {
    static let binary: String = {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (ProcessInfo.processInfo.environment["HUBSYNC_BIN_DIR"] ?? repository.path + "/.build/debug") + "/hubsync"
    }()

    static func run(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String, error: String) {
        let result = try runProcess(binary, arguments, environment: ["HUBSYNC_CONFIG": "/dev/null", "PATH": "/usr/bin:/bin"]
                                        .merging(environment) { _, new in new })
        return (result.status, result.stdout, result.stderr)
    }
}

func jsonArray(_ text: String) throws -> [[String: Any]] {
    guard let array = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else {
        throw FileError(description: "not a JSON array: \(text.prefix(200))")
    }
    return array
}

func jsonObject(_ text: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw FileError(description: "not a JSON object: \(text.prefix(200))")
    }
    return object
}
