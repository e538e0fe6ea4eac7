import Foundation

/// How an unknown or changed host key is treated (OpenSSH's StrictHostKeyChecking).
public enum HostKeyPolicy: String, Sendable {
    /// Unknown or changed keys are refused.
    case strict
    /// Unknown keys are recorded in the first known_hosts file; changed keys are refused.
    case acceptNew = "accept-new"
    /// Keys are not checked at all.
    case off
}

/// Everything needed to open one authenticated SSH session.
public struct SSHConnectOptions: Sendable {
    public var host: String
    public var port: Int
    public var user: String
    /// Private key files tried in order (after the agent, unless `identitiesOnly`).
    public var identityFiles: [String]
    public var identitiesOnly: Bool
    /// Use the agent at SSH_AUTH_SOCK when set.
    public var useAgent: Bool
    public var knownHostsFiles: [String]
    public var hostKeyPolicy: HostKeyPolicy
    /// Covers TCP connect, handshake and authentication.
    public var connectTimeout: Duration
    /// Seconds between keepalives; 0 disables them.
    public var serverAliveInterval: Int
    /// Hosts to hop through, first hop first (ProxyJump).
    public var jumpHosts: [SSHConnectOptions]

    public init(host: String, port: Int = 22, user: String) {
        self.host = host
        self.port = port
        self.user = user
        self.identityFiles = []
        self.identitiesOnly = false
        self.useAgent = true
        self.knownHostsFiles = []
        self.hostKeyPolicy = .strict
        self.connectTimeout = .seconds(10)
        self.serverAliveInterval = 0
        self.jumpHosts = []
    }
}

/// The outcome of one remote command.
public struct CommandResult: Sendable {
    public var exitStatus: Int32
    /// The signal name without "SIG" (e.g. "TERM") when the command was killed by one.
    public var exitSignal: String?
    public var stdout: Data
    public var stderr: Data

    public init(exitStatus: Int32, exitSignal: String?, stdout: Data, stderr: Data) {
        self.exitStatus = exitStatus
        self.exitSignal = exitSignal
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Which stream a piece of streamed output came from.
public enum OutputStream: Sendable {
    case stdout, stderr
}

/// One authenticated SSH session: many commands and file transfers, concurrently, over one connection.
public final class SSHSession: Sendable {
    public let options: SSHConnectOptions

    init(options: SSHConnectOptions) {
        self.options = options
    }

    public static func connect(_ options: SSHConnectOptions) async throws -> SSHSession {
        fatalError("SSH layer not implemented yet")
    }

    /// Runs `command` through the login shell; `output` sees data as it arrives.
    public func run(
        _ command: String,
        stdin: Data? = nil,
        output: (@Sendable (OutputStream, Data) -> Void)? = nil
    ) async throws -> CommandResult {
        fatalError("SSH layer not implemented yet")
    }

    /// Writes `data` to `path` atomically (temporary name beside it, then rename).
    public func upload(_ data: Data, to path: String, mode: Int = 0o644, owner: String? = nil, group: String? = nil) async throws {
        fatalError("SSH layer not implemented yet")
    }

    public func download(_ path: String) async throws -> Data {
        fatalError("SSH layer not implemented yet")
    }

    public func close() async {
        fatalError("SSH layer not implemented yet")
    }
}

/// A failure of the SSH layer, phrased for the person at the terminal.
public struct SSHError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        case connectionRefused, timeout, resolve, handshake, hostKeyUnknown, hostKeyChanged
        case authentication, channel, sftp, disconnected, config
    }
    public var kind: Kind
    /// `host:port` (or the alias) the error concerns.
    public var host: String
    /// One paragraph: what failed and what to do.
    public var message: String

    public init(_ kind: Kind, host: String, _ message: String) {
        self.kind = kind
        self.host = host
        self.message = message
    }

    public var description: String { "\(host): \(message)" }
}
