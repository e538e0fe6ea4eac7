import CLibSSH2
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// ProxyJump: a direct-tcpip channel of the jump session bridged to a socketpair. The target session speaks
/// SSH over the other end; this side moves the bytes on the jump session's thread.
final class ForwardOperation: SessionOperation {
    private enum State { case opening, pumping, closing, done }

    private let host: String
    private let port: Int
    private let deadline: Double
    private var continuation: CheckedContinuation<Int32, Error>?
    private let lock = NSLock()
    private var state = State.opening
    private var channel: OpaquePointer?
    private var localFD: Int32
    private var remoteFD: Int32
    private var toSocket = PendingBytes()
    private var toChannel = PendingBytes()
    private var channelEnded = false
    private var socketEnded = false
    private var eofSent = false

    /// Fails when the socketpair cannot be made.
    init(host: String, port: Int, timeout: Double, continuation: CheckedContinuation<Int32, Error>) throws {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw SSHError(.channel, host: "\(host):\(port)", "could not create a socketpair for ProxyJump: \(String(cString: strerror(errno))); the process may be out of file descriptors (ulimit -n).")
        }
        _ = fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK)
        self.host = host
        self.port = port
        self.deadline = monotonicNow() + timeout
        self.localFD = pair[0]
        self.remoteFD = pair[1]
        self.continuation = continuation
    }

    func pollRequest() -> pollfd? {
        guard state == .pumping, localFD >= 0 else { return nil }
        var events: Int16 = 0
        if toChannel.isEmpty && !socketEnded { events |= Int16(POLLIN) }
        if !toSocket.isEmpty { events |= Int16(POLLOUT) }
        return events == 0 ? nil : pollfd(fd: localFD, events: events, revents: 0)
    }

    func step(_ loop: SessionLoop) -> StepResult {
        guard let session = loop.session else { return .waiting }
        switch state {
        case .opening:
            guard loop.acquireSetup(self) else { return .waiting }
            guard let opened = libssh2_channel_direct_tcpip_ex(session, host, Int32(port), "127.0.0.1", 22) else {
                let rc = libssh2_session_last_errno(session)
                if rc == LIBSSH2_ERROR_EAGAIN {
                    if monotonicNow() < deadline { return .waiting }
                    loop.releaseSetup(self)
                    failOpen(SSHError(.timeout, host: "\(host):\(port)", "the jump host \(loop.label) did not open a connection to \(host):\(port) in time (phase: ProxyJump). Check that the jump host can reach the target."))
                    return .finished
                }
                loop.releaseSetup(self)
                if SessionLoop.isFatal(rc) { loop.fail(code: rc); return .waiting }
                failOpen(SSHError(.channel, host: "\(host):\(port)", "the jump host \(loop.label) could not connect to \(host):\(port): \(LibSSH2.lastError(session)). Check that the target's address and port are right as seen from the jump host, and that the jump host's sshd allows forwarding (AllowTcpForwarding yes)."))
                return .finished
            }
            loop.releaseSetup(self)
            channel = opened
            state = .pumping
            handOver()
            return .progressed
        case .pumping:
            let outcome = pump(loop)
            if loop.session == nil { return .waiting }
            return outcome
        case .closing:
            let rc = libssh2_channel_free(channel)
            if rc == LIBSSH2_ERROR_EAGAIN { return .waiting }
            channel = nil
            closeLocal()
            state = .done
            return .finished
        case .done:
            return .finished
        }
    }

    private func pump(_ loop: SessionLoop) -> StepResult {
        var progressed = false
        // From the target's sshd to the target session.
        while true {
            if !toSocket.isEmpty {
                let written = toSocket.withPending { write(localFD, $0, $1) }
                if written > 0 {
                    toSocket.consume(written)
                    progressed = true
                    continue
                }
                if written < 0 && errno != EAGAIN && errno != EINTR {
                    socketEnded = true  // the target session is gone
                    toSocket = PendingBytes()
                }
                break
            }
            if channelEnded { break }
            let count = libssh2_channel_read_ex(channel, 0, loop.readBuffer.assumingMemoryBound(to: CChar.self), SessionLoop.readBufferSize)
            if count > 0 {
                toSocket.append(loop.readBuffer, count)
                progressed = true
                continue
            }
            if count < 0 && count != Int(LIBSSH2_ERROR_EAGAIN) && SessionLoop.isFatal(Int32(count)) {
                loop.fail(code: Int32(count))
                return .waiting
            }
            if libssh2_channel_eof(channel) != 0 {
                channelEnded = true
                shutdown(localFD, Int32(SHUT_WR))
                progressed = true
            }
            break
        }
        // From the target session to the target's sshd.
        while true {
            if !toChannel.isEmpty {
                let written = toChannel.withPending { libssh2_channel_write_ex(channel, 0, $0.assumingMemoryBound(to: CChar.self), $1) }
                if written > 0 {
                    toChannel.consume(written)
                    progressed = true
                    continue
                }
                if written < 0 && written != Int(LIBSSH2_ERROR_EAGAIN) {
                    if SessionLoop.isFatal(Int32(written)) { loop.fail(code: Int32(written)); return .waiting }
                    channelEnded = true
                    toChannel = PendingBytes()
                }
                break
            }
            if socketEnded || !loop.outboundHasRoom { break }
            let count = read(localFD, loop.readBuffer, SessionLoop.readBufferSize)
            if count > 0 {
                toChannel.append(loop.readBuffer, count)
                progressed = true
                continue
            }
            if count == 0 || (errno != EAGAIN && errno != EINTR) {
                socketEnded = true
                progressed = true
            }
            break
        }
        if socketEnded && toChannel.isEmpty && !eofSent {
            if libssh2_channel_send_eof(channel) != LIBSSH2_ERROR_EAGAIN { eofSent = true }
        }
        if socketEnded && (channelEnded || eofSent) {
            state = .closing
            return .progressed
        }
        return progressed ? .progressed : .waiting
    }

    private func handOver() {
        let fd = remoteFD
        remoteFD = -1
        if let continuation = take() {
            continuation.resume(returning: fd)
        } else {
            close(fd)
        }
    }

    private func failOpen(_ error: SSHError) {
        state = .done
        closeLocal()
        take()?.resume(throwing: error)
    }

    private func closeLocal() {
        lock.lock()
        defer { lock.unlock() }
        if localFD >= 0 { close(localFD); localFD = -1 }
        if remoteFD >= 0 { close(remoteFD); remoteFD = -1 }
    }

    func abort(_ error: SSHError) {
        closeLocal()
        take()?.resume(throwing: error)
    }

    private func take() -> CheckedContinuation<Int32, Error>? {
        lock.lock()
        defer { lock.unlock() }
        let taken = continuation
        continuation = nil
        return taken
    }
}

/// Bytes read from one side that the other side has not taken yet.
struct PendingBytes {
    private var bytes: [UInt8] = []
    private var head = 0

    var isEmpty: Bool { head == bytes.count }

    mutating func append(_ pointer: UnsafeRawPointer, _ count: Int) {
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: count))
    }

    func withPending<T>(_ body: (UnsafeRawPointer, Int) -> T) -> T {
        bytes.withUnsafeBytes { body($0.baseAddress! + head, bytes.count - head) }
    }

    mutating func consume(_ count: Int) {
        head += count
        if head == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            head = 0
        }
    }
}
