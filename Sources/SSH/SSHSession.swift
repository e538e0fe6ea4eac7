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
    /// Read after `knownHostsFiles`, never written (OpenSSH's GlobalKnownHostsFile).
    public var globalKnownHostsFiles: [String]
    public var hostKeyPolicy: HostKeyPolicy
    /// Covers TCP connect, handshake and authentication.
    public var connectTimeout: Duration
    /// Seconds of silence from the host between keepalives; 0 disables them (ServerAliveInterval).
    public var serverAliveInterval: Int
    /// Keepalives left unanswered before the connection counts as dead (ServerAliveCountMax).
    public var serverAliveCountMax: Int
    /// Hosts to hop through, first hop first (ProxyJump).
    public var jumpHosts: [SSHConnectOptions]

    /// OpenSSH's default GlobalKnownHostsFile.
    public static let defaultGlobalKnownHostsFiles = ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"]

    public init(host: String, port: Int = 22, user: String) {
        self.host = host
        self.port = port
        self.user = user
        self.identityFiles = []
        self.identitiesOnly = false
        self.useAgent = true
        self.knownHostsFiles = []
        self.globalKnownHostsFiles = SSHConnectOptions.defaultGlobalKnownHostsFiles
        self.hostKeyPolicy = .strict
        self.connectTimeout = .seconds(10)
        self.serverAliveInterval = SSHConnectOptions.defaultServerAliveInterval
        self.serverAliveCountMax = SSHConnectOptions.defaultServerAliveCountMax
        self.jumpHosts = []
    }
}

extension SSHConnectOptions {
    /// Unlike ssh (no keepalives unless configured): a host that vanishes mid-command (network gone, machine
    /// frozen, no FIN or RST) is noticed after about 45 s instead of holding the run for hours.
    public static let defaultServerAliveInterval = 15
    public static let defaultServerAliveCountMax = 3
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

/// `OutputStream` without the clash with Foundation's class of that name in files importing both.
public typealias SSHOutputStream = OutputStream

/// One authenticated SSH session: many commands, concurrently, over one connection.
///
/// Each session runs on a thread of its own (libssh2 in non-blocking mode under a poll() loop), so awaiting
/// its work never blocks Swift's cooperative threads. `close()` ends it; dropping the last reference does too.
public final class SSHSession: Sendable {
    public let options: SSHConnectOptions
    private let loop: SessionLoop
    /// The ProxyJump hops this session runs through, first hop first; closed with it.
    private let hops: [SSHSession]

    private init(options: SSHConnectOptions, loop: SessionLoop, hops: [SSHSession]) {
        self.options = options
        self.loop = loop
        self.hops = hops
    }

    deinit {
        loop.closeSoon()
    }

    /// Connects (through `options.jumpHosts` when given), checks the host key and logs in, all within
    /// `options.connectTimeout` per hop.
    public static func connect(_ options: SSHConnectOptions) async throws -> SSHSession {
        var hops: [SSHSession] = []
        do {
            for hop in options.jumpHosts {
                var hopOptions = hop
                hopOptions.jumpHosts = []
                do {
                    let loop = try await start(hopOptions, via: hops.last)
                    hops.append(SSHSession(options: hopOptions, loop: loop, hops: []))
                } catch var error as SSHError {
                    error.message = "(jump host on the way to \(options.host):\(options.port)) " + error.message
                    throw error
                }
            }
            let loop = try await start(options, via: hops.last)
            return SSHSession(options: options, loop: loop, hops: hops)
        } catch {
            for hop in hops.reversed() { await hop.close() }
            throw error
        }
    }

    private static func start(_ options: SSHConnectOptions, via jump: SSHSession?) async throws -> SessionLoop {
        guard let jump else { return try await SessionLoop.start(options) }
        let socket = try await jump.openForward(host: options.host, port: options.port, timeout: options.connectTimeout.seconds)
        return try await SessionLoop.start(options, socket: socket)
    }

    /// Opens a direct-tcpip channel to `host:port` and returns a local socket that carries it.
    private func openForward(host: String, port: Int, timeout: Double) async throws -> Int32 {
        try await withCheckedThrowingContinuation { continuation in
            do {
                loop.submit(try ForwardOperation(host: host, port: port, timeout: timeout, continuation: continuation))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Whether the connection is still usable (not closed, not broken).
    public var isOpen: Bool { loop.isOpen }

    /// Runs `command` through the login shell; `output` sees data as it arrives (on the session's thread:
    /// keep it quick). A command killed by a signal has `exitSignal` set and `exitStatus` 128 + its number.
    /// Cancelling the task throws CancellationError at once and closes the command's channel.
    public func run(
        _ command: String,
        stdin: Data? = nil,
        output: (@Sendable (OutputStream, Data) -> Void)? = nil
    ) async throws -> CommandResult {
        let operation = ExecOperation(command: command, input: stdin, output: output)
        let loop = self.loop
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if operation.attach(continuation) { loop.submit(operation) }
            }
        } onCancel: {
            operation.cancel()
            loop.wake()
        }
    }

    /// Disconnects; work still in flight fails with a `.disconnected` error.
    public func close() async {
        await loop.close()
        for hop in hops.reversed() { await hop.close() }
    }
}

/// A failure of the SSH layer, phrased for the person at the terminal.
public struct SSHError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        case connectionRefused, timeout, resolve, handshake, hostKeyUnknown, hostKeyChanged
        case authentication, channel, disconnected, config
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
