import Foundation

/// The controller itself (ansible_connection=local, delegate_to: localhost): commands run through /bin/sh.
public struct LocalConnection: Connection {
    public let hostName: String

    public init(hostName: String = "localhost") {
        self.hostName = hostName
    }

    public func run(_ command: ShellCommand, stdin: Data?) async throws -> CommandResult {
        let rendered = command.rendered
        return try await withCheckedThrowingContinuation { continuation in
            // A thread of its own: the child is waited for by blocking, which must not hold a pool thread.
            Thread.detachNewThread {
                do {
                    continuation.resume(returning: try LocalConnection.runBlocking(rendered, stdin: stdin))
                } catch {
                    continuation.resume(throwing: ConnectionError(
                        host: "localhost", message: "could not start /bin/sh: \(error)"))
                }
            }
        }
    }

    public func close() async {}

    private static func runBlocking(_ command: String, stdin: Data?) throws -> CommandResult {
        ignoreSIGPIPE
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        try process.run()
        // Drain stderr on another thread and feed stdin from a third, so no pipe buffer can stall the child.
        // Plain threads: this already runs on a dispatch worker, and nested dispatch work may wait a second
        // for the pool to grow.
        let errors = DrainedOutput()
        let group = DispatchGroup()
        group.enter()
        Thread.detachNewThread {
            errors.set(errPipe.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        let input = inPipe.fileHandleForWriting
        group.enter()
        Thread.detachNewThread {
            if let stdin, !stdin.isEmpty { try? input.write(contentsOf: stdin) }
            try? input.close()
            group.leave()
        }
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let err = errors.get()
        process.waitUntilExit()
        let signal: String? = process.terminationReason == .uncaughtSignal
            ? LocalConnection.signalName(process.terminationStatus) : nil
        let status: Int32 = process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
        return CommandResult(exitStatus: status, exitSignal: signal, stdout: out, stderr: err)
    }

    private static func signalName(_ number: Int32) -> String {
        switch number {
        case SIGTERM: return "TERM"
        case SIGKILL: return "KILL"
        case SIGINT: return "INT"
        case SIGHUP: return "HUP"
        case SIGPIPE: return "PIPE"
        case SIGSEGV: return "SEGV"
        default: return "\(number)"
        }
    }
}

/// Output collected on another thread, handed back under a lock.
private final class DrainedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
}

/// A child that exits without reading its stdin must not kill deckhand with SIGPIPE.
private let ignoreSIGPIPE: Void = {
    signal(SIGPIPE, SIG_IGN)
}()
