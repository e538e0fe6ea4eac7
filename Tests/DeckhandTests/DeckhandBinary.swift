import Foundation
import XCTest

/// The built `deckhand` executable, run as a user would: arguments and a working folder in, status and output out.
enum DeckhandBinary {
    private final class BundleToken {}

    /// The built executable; skips the test when it has not been built.
    static func executable() throws -> URL {
        // The test bundle sits in the build products folder, next to the deckhand executable.
        let candidates = [Bundle(for: BundleToken.self).bundleURL, Bundle.main.bundleURL,
                          URL(fileURLWithPath: CommandLine.arguments[0])]
            .flatMap { [$0.deletingLastPathComponent(), $0] }
            .map { $0.appendingPathComponent("deckhand") }
        guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("build the deckhand executable first (make test does: swift build --build-tests)")
        }
        return binary
    }

    /// Runs deckhand in `folder`; skips the test when the executable has not been built.
    /// `input`, when given, is standard input (a pipe, never a terminal).
    static func run(_ arguments: [String], in folder: String, input: String? = nil,
                    environment extra: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment.merge(extra) { $1 }
        process.environment = environment
        // stderr goes to a file, so a command that writes much to both streams cannot fill one pipe and stall.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("deckhand-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errorFile)
        let stdin = Pipe()
        if input != nil { process.standardInput = stdin }
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = (try? Data(contentsOf: errorFile)) ?? Data()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}
