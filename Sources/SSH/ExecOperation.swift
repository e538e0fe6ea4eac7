import CLibSSH2
import Foundation

/// One remote command on its own channel: stdin sent then closed, stdout and stderr read as they arrive,
/// then the exit status or signal. Cancelling it answers the caller at once and closes the channel.
/// The command ends when it exits (see `ExitTrailer`), not when the last process it started lets go of
/// its output: a short grace later the channel is closed.
final class ExecOperation: SessionOperation, @unchecked Sendable {
    private enum State { case opening, starting, running, closing, waitingClosed, freeing, done }

    private let command: String
    private let input: Data?
    private let output: (@Sendable (OutputStream, Data) -> Void)?
    // Guarded by `lock`; everything else belongs to the session thread.
    private var continuation: CheckedContinuation<CommandResult, Error>?
    private var cancelled = false
    private let lock = NSLock()
    private var state = State.opening
    private var channel: OpaquePointer?
    private var inputOffset = 0
    private var eofSent = false
    private var stdout = Data()
    private var stderr = Data()
    private var failure: SSHError?
    private var stdoutScanner: TrailerScanner
    private var stderrScanner: TrailerScanner
    /// When both tokens had arrived, for the grace left to the channel to end by itself.
    private var exitedAt: Double?
    /// How long output may go on after the command exited before the channel is closed on it.
    static let exitGrace = 0.3

    init(command: String, input: Data?, output: (@Sendable (OutputStream, Data) -> Void)?) {
        let trailer = ExitTrailer()
        self.command = trailer.wrapping(command)
        stdoutScanner = TrailerScanner(token: trailer.token)
        stderrScanner = TrailerScanner(token: trailer.token)
        self.input = input
        self.output = output
    }

    /// Takes the caller's continuation; false (and the continuation resumed) when already cancelled.
    func attach(_ continuation: CheckedContinuation<CommandResult, Error>) -> Bool {
        lock.lock()
        if cancelled {
            lock.unlock()
            continuation.resume(throwing: CancellationError())
            return false
        }
        self.continuation = continuation
        lock.unlock()
        return true
    }

    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
        take()?.resume(throwing: CancellationError())
    }

    private var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    func step(_ loop: SessionLoop) -> StepResult {
        guard let session = loop.session else { return .waiting }
        var progressed = false
        while true {
            switch state {
            case .opening:
                guard loop.acquireSetup(self) else { return .waiting }
                guard let opened = libssh2_channel_open_ex(session, "session", 7, UInt32(2 * 1024 * 1024),
                                                           UInt32(LIBSSH2_CHANNEL_PACKET_DEFAULT), nil, 0) else {
                    let rc = libssh2_session_last_errno(session)
                    if rc == LIBSSH2_ERROR_EAGAIN { return progressed ? .progressed : .waiting }
                    loop.releaseSetup(self)
                    if SessionLoop.isFatal(rc) { loop.fail(code: rc); return .waiting }
                    finish(loop, SSHError(.channel, host: loop.label, "\(loop.label) would not open a channel for a command: \(LibSSH2.lastError(session)). If many commands run at once, raise MaxSessions in the host's sshd_config."))
                    return .finished
                }
                loop.releaseSetup(self)
                channel = opened
                state = .starting
                progressed = true
            case .starting where isCancelled, .running where isCancelled:
                // The channel is open (libssh2's session-wide open state is idle again): just close it.
                state = .closing
                progressed = true
            case .starting:
                let rc = command.withCString { libssh2_channel_process_startup(channel, "exec", 4, $0, UInt32(strlen($0))) }
                if rc == LIBSSH2_ERROR_EAGAIN { return progressed ? .progressed : .waiting }
                if rc != 0 {
                    if SessionLoop.isFatal(rc) { loop.fail(code: rc); return .waiting }
                    failure = SSHError(.channel, host: loop.label, "\(loop.label) refused to run a command: \(LibSSH2.lastError(session)). Check the host's sshd log (ForceCommand, restricted shell?).")
                    state = .closing
                } else {
                    state = .running
                }
                progressed = true
            case .running:
                switch pump(loop) {
                case .progressed: progressed = true
                case .finished: state = .closing; progressed = true
                case .waiting: return progressed ? .progressed : .waiting
                }
                if loop.session == nil { return .waiting }
            case .closing:
                let rc = libssh2_channel_close(channel)
                if rc == LIBSSH2_ERROR_EAGAIN { return progressed ? .progressed : .waiting }
                if SessionLoop.isFatal(rc) { loop.fail(code: rc); return .waiting }
                state = .waitingClosed
                progressed = true
            case .waitingClosed:
                let rc = libssh2_channel_wait_closed(channel)
                if rc == LIBSSH2_ERROR_EAGAIN { return progressed ? .progressed : .waiting }
                if SessionLoop.isFatal(rc) { loop.fail(code: rc); return .waiting }
                state = .freeing
                progressed = true
            case .freeing:
                let status = libssh2_channel_get_exit_status(channel)
                let signal = exitSignal(session)
                let rc = libssh2_channel_free(channel)
                if rc == LIBSSH2_ERROR_EAGAIN { return progressed ? .progressed : .waiting }
                channel = nil
                state = .done
                if let failure {
                    finish(loop, failure)
                } else {
                    let code = stdoutScanner.exitStatus
                        ?? signal.map { 128 + (ExecOperation.signalNumbers[$0] ?? 127) } ?? status
                    complete(CommandResult(exitStatus: Int32(code), exitSignal: signal, stdout: stdout, stderr: stderr))
                }
                return .finished
            case .done:
                return .finished
            }
        }
    }

    /// Moves stdin out and stdout/stderr in; `.finished` once the command's output has ended.
    private func pump(_ loop: SessionLoop) -> StepResult {
        var progressed = false
        if !eofSent {
            if let input, inputOffset < input.count {
                if loop.outboundHasRoom {
                    let written = input.withUnsafeBytes { raw in
                        libssh2_channel_write_ex(channel, 0, raw.baseAddress!.assumingMemoryBound(to: CChar.self) + inputOffset,
                                                 min(input.count - inputOffset, 256 * 1024))
                    }
                    if written > 0 {
                        inputOffset += written
                        progressed = true
                    } else if written != Int(LIBSSH2_ERROR_EAGAIN) {
                        if SessionLoop.isFatal(Int32(written)) { loop.fail(code: Int32(written)); return .waiting }
                        eofSent = true  // the command closed its stdin (or exited) before reading it all
                    }
                }
            }
            if !eofSent && inputOffset >= (input?.count ?? 0) {
                let rc = libssh2_channel_send_eof(channel)
                if rc != LIBSSH2_ERROR_EAGAIN {
                    eofSent = true
                    progressed = true
                }
            }
        }
        for stream: Int32 in [0, 1] {
            for _ in 0..<16 {
                let count = libssh2_channel_read_ex(channel, stream, loop.readBuffer.assumingMemoryBound(to: CChar.self),
                                                    SessionLoop.readBufferSize)
                if count > 0 {
                    let read = Data(bytes: loop.readBuffer, count: count)
                    deliver(stream == 0 ? stdoutScanner.feed(read) : stderrScanner.feed(read), stream: stream)
                    progressed = true
                    continue
                }
                if count < 0 && count != Int(LIBSSH2_ERROR_EAGAIN) && SessionLoop.isFatal(Int32(count)) {
                    loop.fail(code: Int32(count))
                    return .waiting
                }
                break
            }
        }
        if libssh2_channel_eof(channel) != 0 {
            deliver(stdoutScanner.flush(), stream: 0)
            deliver(stderrScanner.flush(), stream: 1)
            return .finished
        }
        if stdoutScanner.exitStatus != nil && stderrScanner.found {
            let now = monotonicNow()
            if exitedAt == nil { exitedAt = now }
            if let exitedAt, now - exitedAt >= ExecOperation.exitGrace { return .finished }
        }
        return progressed ? .progressed : .waiting
    }

    private func deliver(_ chunk: Data, stream: Int32) {
        guard !chunk.isEmpty else { return }
        if stream == 0 { stdout.append(chunk) } else { stderr.append(chunk) }
        output?(stream == 0 ? .stdout : .stderr, chunk)
    }

    private func exitSignal(_ session: OpaquePointer) -> String? {
        var name: UnsafeMutablePointer<CChar>?
        var length = 0
        guard libssh2_channel_get_exit_signal(channel, &name, &length, nil, nil, nil, nil) == 0, let name else { return nil }
        defer { libssh2_free(session, name) }
        guard length > 0 else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: name, count: length), as: UTF8.self)
    }

    private func finish(_ loop: SessionLoop, _ error: SSHError) {
        take()?.resume(throwing: error)
    }

    private func complete(_ result: CommandResult) {
        take()?.resume(returning: result)
    }

    func abort(_ error: SSHError) {
        take()?.resume(throwing: error)
    }

    private func take() -> CheckedContinuation<CommandResult, Error>? {
        lock.lock()
        defer { lock.unlock() }
        let taken = continuation
        continuation = nil
        return taken
    }

    static let signalNumbers: [String: Int32] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7, "FPE": 8, "KILL": 9,
        "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15,
    ]
}
