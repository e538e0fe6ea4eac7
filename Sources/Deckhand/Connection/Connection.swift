import Foundation
import SSH

/// Where the engine's commands and files go: every byte the engine reads from or writes to a host passes here.
public protocol Connection: Sendable {
    /// The inventory name of the host, for messages.
    var hostName: String { get }

    /// Runs `command` through the host's shell; `stdin` is fed to it and closed.
    func run(_ command: ShellCommand, stdin: Data?) async throws -> CommandResult

    /// Releases the underlying session; further calls fail.
    func close() async
}

extension Connection {
    public func run(_ command: ShellCommand) async throws -> CommandResult {
        try await run(command, stdin: nil)
    }

    /// Writes `data` to `path` atomically (temporary file beside it, then rename), in one round trip.
    public func put(_ data: Data, to path: String, mode: Int? = nil, owner: String? = nil, group: String? = nil,
                    become: Become? = nil) async throws {
        let command = ShellCommand.atomicWrite(to: path, mode: mode, owner: owner, group: group)
        let result = try await run(command, become: become, stdin: data)
        guard result.exitStatus == 0 else {
            throw ConnectionError(host: hostName, message:
                "could not write \(path): \(result.stderrText.trimmed) (exit \(result.exitStatus)); "
                + "check that the directory exists and the user may write there (become: true?)")
        }
    }

    /// Reads the whole file at `path`.
    public func get(_ path: String, become: Become? = nil) async throws -> Data {
        let result = try await run(ShellCommand("cat", "--", path), become: become, stdin: nil)
        guard result.exitStatus == 0 else {
            throw ConnectionError(host: hostName, message:
                "could not read \(path): \(result.stderrText.trimmed) (exit \(result.exitStatus))")
        }
        return result.stdout
    }

    /// Runs `command` as another user when `become` is set; a become password goes first on stdin.
    public func run(_ command: ShellCommand, become: Become?, stdin: Data?) async throws -> CommandResult {
        guard let become else { return try await run(command, stdin: stdin) }
        var input = stdin
        if let password = become.password {
            input = Data((password + "\n").utf8) + (stdin ?? Data())
        }
        return try await run(command.becoming(become), stdin: input)
    }
}

/// A host that could not be reached or talked to: the host is "unreachable", not "failed".
public struct ConnectionError: Error, CustomStringConvertible, Sendable {
    public var host: String
    public var message: String

    public init(host: String, message: String) {
        self.host = host
        self.message = message
    }

    public var description: String { "\(host): \(message)" }
}

extension CommandResult {
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
