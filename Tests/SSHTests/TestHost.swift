import Foundation
import XCTest
@testable import SSH

/// The loopback test host (testhost/testhost): its folder, keys and connection options.
enum TestHost {
    static let port = 22022
    static let user = "deckhand"

    /// DECKHAND_TESTHOST_DIR, else `.testhost` at the top of the repository.
    static let directory: String = {
        if let configured = ProcessInfo.processInfo.environment["DECKHAND_TESTHOST_DIR"], !configured.isEmpty {
            return configured
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".testhost").path
    }()

    static var clientKey: String { directory + "/client/id_ed25519" }
    static var knownHosts: String { directory + "/client/known_hosts" }

    /// Fails the test with what to do when the host is not up.
    static func requireUp(file: StaticString = #filePath, line: UInt = #line) throws {
        let pidFile = directory + "/sshd.pid"
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, 0) == 0
        else {
            XCTFail("the loopback test host is not up in \(directory): run `make testhost-up`", file: file, line: line)
            throw XCTSkip("test host down")
        }
    }

    /// Options that log in with the test host's own client key and known_hosts, strictly.
    static func options(address: String = "127.0.0.1") -> SSHConnectOptions {
        var options = SSHConnectOptions(host: address, port: port, user: user)
        options.identityFiles = [clientKey]
        options.identitiesOnly = true
        options.useAgent = false
        options.knownHostsFiles = [knownHosts]
        options.connectTimeout = .seconds(10)
        return options
    }

    static func connect(address: String = "127.0.0.1") async throws -> SSHSession {
        try requireUp()
        return try await SSHSession.connect(options(address: address))
    }
}

/// A scratch folder, removed at the end of the test.
final class ScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "deckhand-ssh-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs a local program and returns its standard output; fails on a non-zero exit.
@discardableResult
func shell(_ arguments: [String], environment: [String: String]? = nil, input: Data? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let environment {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.standardError
    let stdin = Pipe()
    if input != nil { process.standardInput = stdin }
    try process.run()
    if let input {
        let writer = stdin.fileHandleForWriting
        DispatchQueue.global().async {
            writer.write(input)
            try? writer.close()
        }
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw NSError(domain: "shell", code: Int(process.terminationStatus),
                      userInfo: [NSLocalizedDescriptionKey: "\(arguments.joined(separator: " ")) exited \(process.terminationStatus)"])
    }
    return String(decoding: data, as: UTF8.self)
}

extension CommandResult {
    var out: String { String(decoding: stdout, as: UTF8.self) }
    var err: String { String(decoding: stderr, as: UTF8.self) }
}

/// Asserts that `body` throws an SSHError of `kind` and returns it.
func expectSSHError<T>(_ kind: SSHError.Kind, file: StaticString = #filePath, line: UInt = #line,
                       _ body: () async throws -> T) async -> SSHError? {
    do {
        _ = try await body()
        XCTFail("expected an SSHError .\(kind), but it succeeded", file: file, line: line)
    } catch let error as SSHError {
        XCTAssertEqual(error.kind, kind, "unexpected error: \(error)", file: file, line: line)
        return error
    } catch {
        XCTFail("expected an SSHError .\(kind), got \(error)", file: file, line: line)
    }
    return nil
}
