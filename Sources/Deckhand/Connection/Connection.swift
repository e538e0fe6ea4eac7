import Foundation
import SSH

/// Where the engine's commands and files go: every byte the engine reads from or writes to a host passes here.
public protocol Connection: Sendable {
    /// The inventory name of the host, for messages.
    var hostName: String { get }

    /// Runs `command` through the host's shell; `stdin` is fed to it and closed. `output` sees stdout and
    /// stderr as they arrive (on another thread: keep it quick); the result holds them too. Cancelling the
    /// task ends the command on the host and throws `CancellationError`.
    func run(_ command: ShellCommand, stdin: Data?, output: CommandOutputHandler?) async throws -> CommandResult

    /// Logs in now rather than at the first command, so an unreachable host is known before anything starts.
    func connect() async throws

    /// Releases the underlying session; further calls fail.
    func close() async
}

/// Which stream a piece of a command's output came from.
public enum CommandStream: Sendable {
    case stdout, stderr
}

/// Receives a command's output as it arrives.
public typealias CommandOutputHandler = @Sendable (CommandStream, Data) -> Void

extension Connection {
    public func run(_ command: ShellCommand) async throws -> CommandResult {
        try await run(command, become: nil, stdin: nil)
    }

    public func run(_ command: ShellCommand, stdin: Data?) async throws -> CommandResult {
        try await run(command, become: nil, stdin: stdin)
    }

    /// Writes `data` to `path` atomically (temporary file beside it, then rename), in one round trip.
    public func put(_ data: Data, to path: String, mode: Int? = nil, owner: String? = nil, group: String? = nil,
                    become: Become? = nil) async throws {
        try await put(FileWrite(data: data, path: path, mode: mode, owner: owner, group: group), become: become)
    }

    /// Writes a file atomically; a `validate` command that fails leaves the old file and says why.
    public func put(_ write: FileWrite, become: Become? = nil) async throws {
        let command = ShellCommand.atomicWrite(to: write.path, mode: write.mode, owner: write.owner, group: write.group,
                                               validate: write.validate, size: write.data.count,
                                               sha256: ContentDigest.sha256(write.data), expected: write.expected)
        let result = try await run(command, become: become, stdin: write.data)
        guard result.exitStatus == 0 else {
            let detail = (result.stderrText + result.stdoutText).trimmed
            throw FileWriteError(path: write.path, exitStatus: result.exitStatus, detail: detail,
                                 validated: write.validate != nil)
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

    /// Runs `command` (as another user when `become` is set). Stdin carries, in order: the become password's
    /// line, the command's environment script (see CommandEnvironment), then `stdin`; none of them reaches
    /// the command line or the command's own input.
    public func run(_ command: ShellCommand, become: Become?, stdin: Data?,
                    output: CommandOutputHandler? = nil) async throws -> CommandResult {
        if let bad = command.environment.keys.sorted().first(where: { !CommandEnvironment.isValidName($0) }) {
            throw CommandRefusal("the environment variable name '\(bad)' is not a valid shell name: use letters, digits "
                                 + "and _, not starting with a digit")
        }
        var input = command.environment.isEmpty ? stdin : command.environmentInput + (stdin ?? Data())
        guard let become else { return try await run(command, stdin: input, output: output) }
        if let password = become.password {
            guard become.method == .sudo else {
                throw CommandRefusal("become_method su cannot be given a password: su reads it only from a terminal, "
                                     + "and deckhand runs commands without one. Use become_method: sudo (deckhand "
                                     + "passes the password to sudo), or allow the login user in sudoers with NOPASSWD "
                                     + "and drop the become password")
            }
            input = Data((password + "\n").utf8) + (input ?? Data())
        }
        let result = try await run(command.becoming(become), stdin: input, output: output)
        if result.exitStatus != 0, become.method == .sudo, let refusal = SudoRefusal(result.stderrText, become: become) {
            throw CommandRefusal("\(hostName): sudo would not run the command as \(become.user): \(refusal)")
        }
        return result
    }
}

/// What sudo's own refusal means, from its stderr (sudo's messages are fixed English text).
enum SudoRefusal: CustomStringConvertible {
    case wrongPassword, passwordRequired

    init?(_ stderr: String, become: Become) {
        if become.password != nil, stderr.contains("incorrect password attempt") { self = .wrongPassword }
        else if become.password == nil, stderr.contains("sudo: a password is required") { self = .passwordRequired }
        else { return nil }
    }

    var description: String {
        switch self {
        case .wrongPassword:
            return "the become password was refused; check it (-K / --ask-become-pass, ansible_become_password)"
        case .passwordRequired:
            return "a password is required; give it with -K (--ask-become-pass) or ansible_become_password, "
                + "or allow the login user NOPASSWD in sudoers"
        }
    }
}

/// A command deckhand will not send as asked; the message says what to change.
public struct CommandRefusal: Error, CustomStringConvertible, Sendable {
    public var description: String

    init(_ description: String) { self.description = description }
}

/// A host that could not be reached or talked to: the host is "unreachable", not "failed".
public struct ConnectionError: Error, CustomStringConvertible, Sendable {
    /// The inventory name (or the target as given).
    public var host: String
    public var message: String
    /// Where it failed as the SSH layer names it (`host:port`, a jump host), when known.
    public var place: String?

    public init(host: String, message: String, place: String? = nil) {
        self.host = host
        self.message = message
        self.place = place
    }

    public var description: String { "\(host): \(message)" }

    /// The message after the place it failed, for a command that names the host itself (`sh`, `exec`).
    public var located: String { place.map { "\($0): \(message)" } ?? message }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// A file to write on a host: contents, attributes, and an optional check run on it before it replaces the old one.
public struct FileWrite: Sendable {
    public var data: Data
    public var path: String
    public var mode: Int?
    public var owner: String?
    public var group: String?
    /// Words of a command with `%s` for the new file (Ansible's `validate`).
    public var validate: [String]?
    /// The file as the plan saw it: the write is refused when it no longer is (an edit made meanwhile).
    public var expected: FileExpectation?

    public init(data: Data, path: String, mode: Int? = nil, owner: String? = nil, group: String? = nil,
                validate: [String]? = nil, expected: FileExpectation? = nil) {
        self.expected = expected
        self.data = data
        self.path = path
        self.mode = mode
        self.owner = owner
        self.group = group
        self.validate = validate
    }
}

/// What a file held when a plan was made from it.
public enum FileExpectation: Sendable, Hashable {
    case absent
    /// A regular file with this SHA-1 (as `sha1sum` prints it).
    case sha1(String)
}

/// A write that did not happen: the old file (if any) is untouched.
public struct FileWriteError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var exitStatus: Int32
    public var detail: String
    public var validated: Bool

    /// Someone else changed the file after it was read: read it again and plan again.
    public var contentChanged: Bool { exitStatus == ShellCommand.contentChangedStatus }

    public var description: String {
        var text = "could not write \(path) (exit \(exitStatus))"
        if !detail.isEmpty { text += ": \(detail)" }
        if exitStatus == ShellCommand.uploadCutShortStatus {
            return text + "; the old file was kept: run again"
        }
        text += validated
            ? "; if the validate command rejected the new contents, the old file was kept"
            : "; check that the directory exists and the user may write there (become: true?)"
        return text
    }
}
