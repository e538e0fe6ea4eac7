import Foundation
import SSH

/// A host reached over SSH: one session, opened on first use and reused for every command of the run.
public final class SSHHostConnection: Connection, @unchecked Sendable {
    public let hostName: String
    let options: SSHConnectOptions
    private let lock = NSLock()
    private var opening: _Concurrency.Task<SSHSession, Error>?

    init(hostName: String, options: SSHConnectOptions) {
        self.hostName = hostName
        self.options = options
    }

    /// The user it logs in as.
    public var user: String { options.user }

    /// The session, connecting on the first call; concurrent callers share one connection attempt.
    func session() async throws -> SSHSession {
        let task: _Concurrency.Task<SSHSession, Error> = lock.withLock {
            if let opening { return opening }
            let options = self.options
            let task = _Concurrency.Task { try await SSHSession.connect(options) }
            opening = task
            return task
        }
        do {
            return try await task.value
        } catch let error as SSHError {
            throw ConnectionError(host: hostName, message: error.message, place: error.host)
        } catch {
            throw ConnectionError(host: hostName, message: "\(error)", place: "\(options.host):\(options.port)")
        }
    }

    public func connect() async throws {
        _ = try await session()
    }

    public func run(_ command: ShellCommand, stdin: Data?, output: CommandOutputHandler?) async throws -> CommandResult {
        let session = try await session()
        do {
            let forward: (@Sendable (SSHOutputStream, Data) -> Void)? = output.map { handler in
                { @Sendable stream, data in handler(stream == .stdout ? .stdout : .stderr, data) }
            }
            let result = try await session.run(command.rendered, stdin: stdin, output: forward)
            return CommandResult(exitStatus: result.exitStatus, exitSignal: result.exitSignal,
                                 stdout: result.stdout, stderr: result.stderr)
        } catch let error as SSHError {
            throw ConnectionError(host: hostName, message: error.message, place: error.host)
        }
    }

    public func close() async {
        let task = lock.withLock { () -> _Concurrency.Task<SSHSession, Error>? in
            defer { opening = nil }
            return opening
        }
        if let session = try? await task?.value {
            await session.close()
        }
    }
}
