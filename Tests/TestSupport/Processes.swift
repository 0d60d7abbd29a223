import Foundation

/// Runs a program to completion: its exit status and output. Both pipes are read before waiting,
/// so a large output cannot fill a pipe and block the child.
@discardableResult
public func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                       input: [UInt8]? = nil) throws -> (status: Int32, stdout: String, stderr: String, output: [UInt8]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input)) }
    try stdin.fileHandleForWriting.close()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    let err = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self), Array(out))
}
