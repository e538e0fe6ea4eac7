import Foundation

/// The controller itself (ansible_connection=local, delegate_to: localhost): commands run through /bin/sh.
public struct LocalConnection: Connection {
    public let hostName: String

    public init(hostName: String = "localhost") {
        self.hostName = hostName
    }

    public func run(_ command: ShellCommand, stdin: Data?, output: CommandOutputHandler?) async throws -> CommandResult {
        let run = LocalCommand(command: command.rendered, stdin: stdin, output: output)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard run.attach(continuation) else { return }
                // A thread of its own: the child is waited for by blocking, which must not hold a pool thread.
                Thread.detachNewThread {
                    do {
                        run.finish(.success(try run.runBlocking()))
                    } catch {
                        run.finish(.failure(ConnectionError(host: "localhost", message: "could not start /bin/sh: \(error)")))
                    }
                }
            }
        } onCancel: {
            run.cancel()
        }
    }

    public func connect() async throws {}

    public func close() async {}
}

/// One command run by /bin/sh on the controller; cancelling it terminates the shell and throws at once.
private final class LocalCommand: @unchecked Sendable {
    private let command: String
    private let stdin: Data?
    private let output: CommandOutputHandler?
    private let lock = NSLock()
    private var continuation: CheckedContinuation<CommandResult, Error>?
    private var process: Process?
    private var cancelled = false

    init(command: String, stdin: Data?, output: CommandOutputHandler?) {
        self.command = command
        self.stdin = stdin
        self.output = output
    }

    /// False when the run was cancelled before it started (the continuation is then already resumed).
    func attach(_ continuation: CheckedContinuation<CommandResult, Error>) -> Bool {
        let wasCancelled = lock.withLock { () -> Bool in
            if !cancelled { self.continuation = continuation }
            return cancelled
        }
        if wasCancelled { continuation.resume(throwing: CancellationError()) }
        return !wasCancelled
    }

    func finish(_ result: Result<CommandResult, Error>) {
        let waiting = lock.withLock { () -> CheckedContinuation<CommandResult, Error>? in
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(with: result)
    }

    func cancel() {
        let (running, waiting) = lock.withLock { () -> (Process?, CheckedContinuation<CommandResult, Error>?) in
            cancelled = true
            defer { continuation = nil }
            return (process, continuation)
        }
        if let running, running.isRunning { running.terminate() }
        waiting?.resume(throwing: CancellationError())
    }

    func runBlocking() throws -> CommandResult {
        ignoreSIGPIPE
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        try lock.withLock {
            if cancelled { throw CancellationError() }
            try process.run()
            self.process = process
        }
        // Drain stderr on another thread and feed stdin from a third, so no pipe buffer can stall the child.
        // Plain threads: this already runs on a dispatch worker, and nested dispatch work may wait a second
        // for the pool to grow.
        let errors = DrainedOutput()
        let group = DispatchGroup()
        group.enter()
        Thread.detachNewThread { [output] in
            errors.set(LocalCommand.drain(errPipe.fileHandleForReading, as: .stderr, to: output))
            group.leave()
        }
        let input = inPipe.fileHandleForWriting
        group.enter()
        Thread.detachNewThread { [stdin] in
            if let stdin, !stdin.isEmpty { try? input.write(contentsOf: stdin) }
            try? input.close()
            group.leave()
        }
        let out = LocalCommand.drain(outPipe.fileHandleForReading, as: .stdout, to: output)
        group.wait()
        let err = errors.get()
        process.waitUntilExit()
        let signal: String? = process.terminationReason == .uncaughtSignal
            ? LocalCommand.signalName(process.terminationStatus) : nil
        let status: Int32 = process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
        return CommandResult(exitStatus: status, exitSignal: signal, stdout: out, stderr: err)
    }

    /// Everything `handle` gives until end of file, passed on to `output` piece by piece when there is one.
    private static func drain(_ handle: FileHandle, as stream: CommandStream, to output: CommandOutputHandler?) -> Data {
        guard let output else { return handle.readDataToEndOfFile() }
        var all = Data()
        while true {
            let piece = handle.availableData
            if piece.isEmpty { return all }
            all.append(piece)
            output(stream, piece)
        }
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
