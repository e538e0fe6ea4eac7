import Foundation

/// A step a test needs before its story can start went wrong (not the outcome under test).
struct DeployStepFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A command running in the background, its output going to files (so it never blocks on a full pipe).
final class RunningCommand {
    let process = Process()
    private let outPath: String
    private let errPath: String

    init(_ binary: URL, _ arguments: [String], in folder: String, environment extra: [String: String] = [:]) throws {
        let stem = folder + "/background-\(UUID().uuidString.prefix(8))"
        outPath = stem + ".out"
        errPath = stem + ".err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// What it printed so far.
    var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the exit (at most `timeout` seconds, then kills it) and returns what it printed.
    func wait(timeout: TimeInterval = 600) -> Output {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Output(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}
