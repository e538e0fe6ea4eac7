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
        // Drain both streams and feed stdin on threads of their own, so no pipe buffer can stall the child.
        // Plain threads: this already runs on a dispatch worker, and nested dispatch work may wait a second
        // for the pool to grow.
        let out = DrainedOutput(), errors = DrainedOutput()
        let group = DispatchGroup()
        for (pipe, drained, stream) in [(outPipe, out, CommandStream.stdout), (errPipe, errors, .stderr)] {
            group.enter()
            Thread.detachNewThread { [output] in
                LocalCommand.drain(pipe.fileHandleForReading, as: stream, to: output, into: drained)
                group.leave()
            }
        }
        let input = inPipe.fileHandleForWriting
        Thread.detachNewThread { [stdin] in
            if let stdin, !stdin.isEmpty { try? input.write(contentsOf: stdin) }
            try? input.close()
        }
        let exit = LocalCommand.waitForExit(process)
        // As Ansible's run_command: after the shell exits its output is read to the end, but a child it left in
        // the background (`cmd &`) holding the pipes is not waited for: a second without output ends the read.
        while group.wait(timeout: .now() + 1) == .timedOut {
            if Date().timeIntervalSince(max(out.lastArrival, errors.lastArrival)) >= 1 { break }
        }
        out.close()
        errors.close()
        let signal = exit.signal.map(LocalCommand.signalName)
        let status: Int32 = exit.signal.map { 128 + $0 } ?? exit.status
        return CommandResult(exitStatus: status, exitSignal: signal, stdout: out.get(), stderr: errors.get())
    }

    /// The shell's exit status, or the signal that ended it. Foundation on Linux notices a child's exit only once
    /// every process holding a descriptor it inherited is gone, a background grandchild included; waitid with
    /// WNOWAIT sees the shell's own exit and leaves reaping it to Foundation.
    private static func waitForExit(_ process: Process) -> (status: Int32, signal: Int32?) {
        var info = siginfo_t()
        var waited: Int32
        repeat {
            waited = waitid(P_PID, id_t(process.processIdentifier), &info, WEXITED | WNOWAIT)
        } while waited != 0 && errno == EINTR
        guard waited == 0 else {
            // Already reaped by Foundation: its own record holds the outcome.
            process.waitUntilExit()
            return process.terminationReason == .uncaughtSignal ? (0, process.terminationStatus) : (process.terminationStatus, nil)
        }
        let code = info._sifields._sigchld.si_status
        return info.si_code == CLD_EXITED ? (code, nil) : (0, code)
    }

    /// Everything `handle` gives until end of file into `drained`, passed on to `output` piece by piece when there
    /// is one (until the command's result is handed back).
    private static func drain(_ handle: FileHandle, as stream: CommandStream, to output: CommandOutputHandler?,
                              into drained: DrainedOutput) {
        while true {
            let piece = handle.availableData
            if piece.isEmpty { return }
            if drained.append(piece) { output?(stream, piece) }
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

/// Output collected on another thread as it arrives, handed back under a lock; closed once the result is taken.
private final class DrainedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var closed = false
    private var arrival = Date()

    /// False once closed (what a background child writes later belongs to no result).
    func append(_ piece: Data) -> Bool {
        lock.withLock {
            guard !closed else { return false }
            data.append(piece)
            arrival = Date()
            return true
        }
    }

    var lastArrival: Date { lock.withLock { arrival } }
    func close() { lock.withLock { closed = true } }
    func get() -> Data { lock.withLock { data } }
}

/// A child that exits without reading its stdin must not kill deckhand with SIGPIPE.
private let ignoreSIGPIPE: Void = {
    signal(SIGPIPE, SIG_IGN)
}()
