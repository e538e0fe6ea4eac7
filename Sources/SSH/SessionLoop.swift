import CLibSSH2
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What one step of a session operation achieved.
enum StepResult {
    case progressed, waiting, finished
}

/// Work that advances in small non-blocking libssh2 calls on its session's own thread.
protocol SessionOperation: AnyObject {
    /// Goes as far as possible without blocking.
    func step(_ loop: SessionLoop) -> StepResult
    /// Ends the operation with `error` (the session is gone); called at most once, on any thread.
    func abort(_ error: SSHError)
    /// A descriptor besides the session's socket whose readiness should wake the loop.
    func pollRequest() -> pollfd?
}

extension SessionOperation {
    func pollRequest() -> pollfd? { nil }
}

/// One libssh2 session and the dedicated thread that drives it: a poll() loop over non-blocking libssh2 calls,
/// so any number of channels progress together and no Swift concurrency thread ever blocks on the network.
final class SessionLoop: @unchecked Sendable {
    let options: SSHConnectOptions
    /// `host:port`, as errors name it.
    let label: String

    // Shared with other threads; guarded by `lock`.
    private let lock = NSLock()
    private var submitted: [SessionOperation] = []
    private var closeWaiters: [CheckedContinuation<Void, Never>] = []
    private var closeRequested = false
    private var endedWith: SSHError?
    private var wakeFD: Int32

    // Owned by the session thread.
    private(set) var fd: Int32 = -1
    private(set) var session: OpaquePointer?
    private var operations: [SessionOperation] = []
    private var outbound = ByteQueue()
    private var receivedData = false
    private var lastReceived = 0.0
    private var idleUnread = false
    private var idleUnreadBytes: Int32 = 0
    private var broken: SSHError?
    private var socketErrno: Int32 = 0
    var setupOwner: ObjectIdentifier?
    static let readBufferSize = 64 * 1024
    let readBuffer = UnsafeMutableRawPointer.allocate(byteCount: SessionLoop.readBufferSize, alignment: 16)
    /// Bulk writers (stdin, forwarding) pause while this much is waiting for the socket.
    static let outboundHighWater = 1 << 20

    private init(options: SSHConnectOptions, label: String) {
        self.options = options
        self.label = label
        self.wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
    }

    deinit {
        readBuffer.deallocate()
    }

    /// Starts a session thread, connects (over `socket` when a jump host provides one) and authenticates.
    static func start(_ options: SSHConnectOptions, socket: Int32? = nil) async throws -> SessionLoop {
        let label = "\(options.host):\(options.port)"
        guard LibSSH2.ensureInitialized() else {
            if let socket { Glibc.close(socket) }
            throw SSHError(.handshake, host: label, "libssh2 could not initialise its crypto library; reinstall libssh2-1 (apt-get install --reinstall libssh2-1).")
        }
        let loop = SessionLoop(options: options, label: label)
        guard loop.wakeFD >= 0 else {
            if let socket { Glibc.close(socket) }
            throw SSHError(.disconnected, host: label, "could not create an event descriptor (\(String(cString: strerror(errno)))); the process may be out of file descriptors (ulimit -n).")
        }
        try await withCheckedThrowingContinuation { (connected: CheckedContinuation<Void, Error>) in
            let thread = Thread { loop.threadMain(socket: socket, connected: connected) }
            thread.stackSize = 512 * 1024
            thread.name = "ssh \(label)"
            thread.start()
        }
        return loop
    }

    private func threadMain(socket: Int32?, connected: CheckedContinuation<Void, Error>) {
        do {
            try establish(socket: socket)
            connected.resume()
        } catch {
            let failure = error as? SSHError ?? SSHError(.handshake, host: label, "\(error)")
            end(failure, graceful: false)
            connected.resume(throwing: failure)
            return
        }
        run()
    }

    // MARK: Work from other threads

    func submit(_ operation: SessionOperation) {
        lock.lock()
        if let error = endedWith {
            lock.unlock()
            operation.abort(error)
            return
        }
        submitted.append(operation)
        wakeLocked()
        lock.unlock()
    }

    /// Asks the loop to disconnect; returns once it has.
    func close() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            lock.lock()
            if endedWith != nil {
                lock.unlock()
                done.resume()
                return
            }
            closeRequested = true
            closeWaiters.append(done)
            wakeLocked()
            lock.unlock()
        }
    }

    /// Asks the loop to disconnect without waiting (the session object was dropped).
    func closeSoon() {
        lock.lock()
        if endedWith == nil {
            closeRequested = true
            wakeLocked()
        }
        lock.unlock()
    }

    var isOpen: Bool {
        lock.lock()
        defer { lock.unlock() }
        return endedWith == nil && !closeRequested
    }

    /// Makes the loop look at its operations again (one was cancelled).
    func wake() {
        lock.lock()
        if endedWith == nil { wakeLocked() }
        lock.unlock()
    }

    private func wakeLocked() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    // MARK: Socket plumbing (session thread)

    /// Binds libssh2 to `socket` through our own send/recv callbacks: sends never report EAGAIN to libssh2
    /// (what the socket does not take waits in `outbound`), because libssh2 1.10 mixes up a half-sent packet of
    /// one channel with the next packet of another; receives mark that data arrived, so the loop knows when
    /// packets for other channels may have been queued.
    func attach(socket: Int32) -> Bool {
        fd = socket
        let flags = fcntl(socket, F_GETFL)
        _ = fcntl(socket, F_SETFL, flags | O_NONBLOCK)
        session = libssh2_session_init_ex(nil, nil, nil, Unmanaged.passUnretained(self).toOpaque())
        guard let session else { return false }
        libssh2_session_set_blocking(session, 0)
        _ = libssh2_session_callback_set(session, LIBSSH2_CALLBACK_SEND, unsafeBitCast(sessionSend, to: UnsafeMutableRawPointer.self))
        _ = libssh2_session_callback_set(session, LIBSSH2_CALLBACK_RECV, unsafeBitCast(sessionRecv, to: UnsafeMutableRawPointer.self))
        return true
    }

    func send(_ buffer: UnsafeRawPointer, _ length: Int) -> Int {
        if socketErrno != 0 { return -Int(socketErrno) }
        var offset = 0
        if outbound.isEmpty {
            let sent = Glibc.send(fd, buffer, length, Int32(MSG_NOSIGNAL))
            if sent < 0 {
                if errno != EAGAIN && errno != EINTR {
                    socketErrno = errno
                    return -Int(errno)
                }
            } else {
                offset = sent
            }
        }
        if offset < length {
            outbound.append(buffer + offset, length - offset)
        }
        return length
    }

    func recv(_ buffer: UnsafeMutableRawPointer, _ length: Int, _ flags: Int32) -> Int {
        let received = Glibc.recv(fd, buffer, length, flags)
        if received > 0 {
            receivedData = true
            return received
        }
        if received < 0 {
            if errno == EAGAIN || errno == EINTR { return -Int(EAGAIN) }
            return -Int(errno)
        }
        return 0
    }

    /// Sends what waits in `outbound`; records a socket error for the loop to report.
    func flushOutbound() {
        while !outbound.isEmpty && socketErrno == 0 {
            let sent = outbound.withPending { Glibc.send(fd, $0, $1, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                outbound.consume(sent)
            } else if sent < 0 && errno != EAGAIN && errno != EINTR {
                socketErrno = errno
            } else {
                return
            }
        }
    }

    /// Whether bulk writers may hand libssh2 more data now.
    var outboundHasRoom: Bool { outbound.count < SessionLoop.outboundHighWater }

    var socketError: Int32 { socketErrno }

    /// Flushes, then waits for the socket (during connect). Returns false once `deadline` has passed.
    func waitForSocket(until deadline: Double) -> Bool {
        flushOutbound()
        let remaining = deadline - monotonicNow()
        if remaining <= 0 { return false }
        var events = Int16(POLLIN)
        if !outbound.isEmpty { events |= Int16(POLLOUT) }
        var entry = pollfd(fd: fd, events: events, revents: 0)
        _ = poll(&entry, 1, Int32(min(remaining * 1000 + 1, 1000)))
        return true
    }

    // MARK: The loop

    private func run() {
        lastReceived = monotonicNow()
        while true {
            if takeSubmitted() {
                end(SSHError(.disconnected, host: label, "the SSH session to \(label) was closed, so this was not done (or not finished); open a new session for it."), graceful: true)
                return
            }
            advance()
            if let broken {
                end(broken, graceful: false)
                return
            }
            var timeout: Int32 = operations.isEmpty ? -1 : 200
            if options.serverAliveInterval > 0 {
                if let dead = keepalive(&timeout) {
                    end(dead, graceful: false)
                    return
                }
            }
            waitForEvents(timeout)
            if let broken {
                end(broken, graceful: false)
                return
            }
        }
    }

    /// Moves newly submitted operations into the loop; returns whether a close was requested.
    private func takeSubmitted() -> Bool {
        lock.lock()
        let arrived = submitted
        submitted.removeAll()
        let closing = closeRequested
        lock.unlock()
        if !arrived.isEmpty {
            operations.append(contentsOf: arrived)
            idleUnread = false
        }
        return closing
    }

    /// Steps every operation until a full round neither progresses nor receives data: a libssh2 read for one
    /// channel may queue packets for another, so a round that received anything is followed by another.
    /// New work joins between rounds, so a command that streams without pause does not hold it back.
    private func advance() {
        var again = true
        while again && broken == nil {
            if takeSubmitted() { return }
            receivedData = false
            var progressed = false
            var index = 0
            while index < operations.count {
                switch operations[index].step(self) {
                case .progressed:
                    progressed = true
                    index += 1
                case .waiting:
                    index += 1
                case .finished:
                    operations.remove(at: index)
                    progressed = true
                }
                if broken != nil { return }
            }
            flushOutbound()
            if socketErrno != 0 {
                fail(code: LIBSSH2_ERROR_SOCKET_SEND)
                return
            }
            if receivedData { lastReceived = monotonicNow() }
            again = progressed || receivedData
        }
    }

    private func keepalive(_ timeout: inout Int32) -> SSHError? {
        var next: Int32 = 0
        let rc = libssh2_keepalive_send(session, &next)
        flushOutbound()
        if rc < 0 && rc != LIBSSH2_ERROR_EAGAIN {
            return SSHError(.disconnected, host: label, "sending a keepalive to \(label) failed (\(LibSSH2.lastError(session))); the connection is gone. Run the command again.")
        }
        if idleUnread {
            // Idle with unread data: libssh2 has nothing to read it with, so count growth of the socket's queue.
            var available: Int32 = 0
            if ioctl(fd, UInt(FIONREAD), &available) == 0, available != idleUnreadBytes {
                idleUnreadBytes = available
                lastReceived = monotonicNow()
            }
        }
        let silence = monotonicNow() - lastReceived
        let interval = Double(options.serverAliveInterval)
        let count = max(options.serverAliveCountMax, 1)
        if silence > interval * Double(count) + 1 {
            return SSHError(.disconnected, host: label, "\(label) did not answer for \(Int(silence)) s (\(count) keepalives at ServerAliveInterval \(options.serverAliveInterval), ServerAliveCountMax \(count)); the network or the host is down. Check the host and run the command again.")
        }
        let keepaliveMillis = Int32(max(next, 1)) * 1000
        timeout = timeout < 0 ? keepaliveMillis : min(timeout, keepaliveMillis)
        return nil
    }

    private func waitForEvents(_ timeout: Int32) {
        var socketEvents: Int16 = 0
        if !(operations.isEmpty && idleUnread) { socketEvents |= Int16(POLLIN) }
        if !outbound.isEmpty { socketEvents |= Int16(POLLOUT) }
        var fds = [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0), pollfd(fd: fd, events: socketEvents, revents: 0)]
        for operation in operations {
            if let extra = operation.pollRequest() { fds.append(extra) }
        }
        let ready = poll(&fds, nfds_t(fds.count), timeout)
        guard ready > 0 else { return }
        if fds[0].revents != 0 {
            var count: UInt64 = 0
            _ = read(wakeFD, &count, 8)
        }
        let revents = fds[1].revents
        if revents & Int16(POLLOUT) != 0 { flushOutbound() }
        if operations.isEmpty && revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
            // Nothing to read with; only find out whether the host hung up.
            var byte: UInt8 = 0
            let peeked = Glibc.recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
            if peeked == 0 {
                broken = SSHError(.disconnected, host: label, "\(label) closed the connection (sshd restarted, or an idle timeout on the host or a firewall); open a new session.")
            } else if peeked < 0 && errno != EAGAIN && errno != EINTR {
                broken = SSHError(.disconnected, host: label, "the connection to \(label) failed: \(String(cString: strerror(errno))); open a new session.")
            } else if peeked > 0 {
                idleUnread = true
                lastReceived = monotonicNow()
            }
        }
    }

    /// Marks the session broken after a fatal libssh2 result; the loop then ends every operation.
    func fail(code: Int32) {
        guard broken == nil else { return }
        let reason = socketErrno != 0 ? String(cString: strerror(socketErrno)) : LibSSH2.lastError(session)
        broken = SSHError(.disconnected, host: label, "the connection to \(label) broke (\(reason)); anything in flight was not completed. Check the host and run the command again.")
    }

    /// Whether a libssh2 result code means the whole session is unusable.
    static func isFatal(_ code: Int32) -> Bool {
        switch code {
        case LIBSSH2_ERROR_SOCKET_NONE, LIBSSH2_ERROR_BANNER_RECV, LIBSSH2_ERROR_BANNER_SEND,
             LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_KEX_FAILURE, LIBSSH2_ERROR_TIMEOUT, LIBSSH2_ERROR_DECRYPT,
             LIBSSH2_ERROR_SOCKET_DISCONNECT, LIBSSH2_ERROR_PROTO, LIBSSH2_ERROR_SOCKET_TIMEOUT,
             LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_ENCRYPT, LIBSSH2_ERROR_BAD_SOCKET, LIBSSH2_ERROR_ALLOC:
            return true
        default:
            return false
        }
    }

    /// Ends the loop: every operation fails with `error`; a graceful end says goodbye to the server first.
    private func end(_ error: SSHError, graceful: Bool) {
        lock.lock()
        endedWith = error
        let pending = submitted
        submitted.removeAll()
        let waiters = closeWaiters
        closeWaiters.removeAll()
        Glibc.close(wakeFD)
        wakeFD = -1
        lock.unlock()

        let all = operations + pending
        operations.removeAll()
        for operation in all { operation.abort(error) }

        if let session {
            let deadline = monotonicNow() + 1
            if graceful && socketErrno == 0 {
                while libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, "deckhand closed the session", "") == LIBSSH2_ERROR_EAGAIN
                    && waitForSocket(until: deadline) {}
                flushOutbound()
            }
            socketErrno = socketErrno == 0 ? EPIPE : socketErrno  // nothing more goes out
            var tries = 0
            while libssh2_session_free(session) == LIBSSH2_ERROR_EAGAIN && tries < 100 { tries += 1 }
            self.session = nil
        }
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Session-wide libssh2 state

    /// libssh2 keeps channel-open state per session: one operation at a time may be in there.
    func acquireSetup(_ operation: AnyObject) -> Bool {
        let id = ObjectIdentifier(operation)
        if setupOwner == nil { setupOwner = id }
        return setupOwner == id
    }

    func releaseSetup(_ operation: AnyObject) {
        if setupOwner == ObjectIdentifier(operation) { setupOwner = nil }
    }
}
