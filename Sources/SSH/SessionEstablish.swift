import CLibSSH2
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The stages of opening a session, as timeout errors name them.
enum ConnectPhase: String {
    case tcp = "TCP connect"
    case handshake = "SSH handshake"
    case hostKey = "host key check"
    case authentication = "authentication"
}

/// Opening a session, on its own thread: TCP connect, handshake, host key check, authentication, all
/// within one deadline.
extension SessionLoop {
    func establish(socket: Int32?) throws {
        let timeout = options.connectTimeout.seconds
        let deadline = ConnectDeadline(seconds: timeout)
        let connected = try socket ?? openTCP(deadline: deadline)
        guard attach(socket: connected) else {
            throw SSHError(.handshake, host: label, "libssh2 could not create a session (out of memory?).")
        }
        let hostKeys = HostKeyVerifier(loop: self)
        hostKeys.preferKnownKeyTypes()
        let rc = try retrying(.handshake, deadline) { libssh2_session_handshake(session, fd) }
        if rc != 0 {
            throw handshakeFailure(rc)
        }
        try hostKeys.verify()
        if options.serverAliveInterval > 0 {
            libssh2_keepalive_config(session, 1, UInt32(options.serverAliveInterval))
        }
        var authenticator = Authenticator(loop: self, deadline: deadline)
        try authenticator.authenticate()
    }

    /// Calls `call` until it stops asking to be called again, waiting on the socket in between.
    func retrying(_ phase: ConnectPhase, _ deadline: ConnectDeadline, _ call: () -> Int32) throws -> Int32 {
        while true {
            let rc = call()
            if rc != LIBSSH2_ERROR_EAGAIN {
                flushOutbound()
                if socketError != 0 { throw brokenDuring(phase) }
                return rc
            }
            if socketError != 0 { throw brokenDuring(phase) }
            if !waitForSocket(until: deadline.end) { throw timedOut(phase, deadline) }
        }
    }

    /// Like `retrying`, for libssh2 calls that return a pointer (nil with EAGAIN as the last error).
    func retryingPointer<T>(_ phase: ConnectPhase, _ deadline: ConnectDeadline, _ call: () -> T?) throws -> T? {
        while true {
            if let value = call() {
                flushOutbound()
                return value
            }
            if libssh2_session_last_errno(session) != LIBSSH2_ERROR_EAGAIN {
                flushOutbound()
                return nil
            }
            if socketError != 0 { throw brokenDuring(phase) }
            if !waitForSocket(until: deadline.end) { throw timedOut(phase, deadline) }
        }
    }

    func timedOut(_ phase: ConnectPhase, _ deadline: ConnectDeadline) -> SSHError {
        let seconds = deadline.describedSeconds
        switch phase {
        case .tcp:
            return SSHError(.timeout, host: label, "no TCP connection to \(label) within \(seconds) (phase: \(phase.rawValue)): the host is down or a firewall drops the packets. Check the address and port, or raise ConnectTimeout.")
        case .handshake, .hostKey:
            return SSHError(.timeout, host: label, "\(label) accepted the TCP connection but the SSH handshake did not finish within \(seconds) (phase: \(phase.rawValue)): the port may not be an SSH server, or sshd is overloaded (MaxStartups). Check that the port is sshd's, or raise ConnectTimeout.")
        case .authentication:
            return SSHError(.timeout, host: label, "logging in to \(label) as '\(options.user)' did not finish within \(seconds) (phase: \(phase.rawValue)): the server or the ssh-agent is slow to answer. Try again, or raise ConnectTimeout.")
        }
    }

    func brokenDuring(_ phase: ConnectPhase) -> SSHError {
        let reason = socketError != 0 ? String(cString: strerror(socketError)) : LibSSH2.lastError(session)
        return SSHError(.handshake, host: label, "the connection to \(label) broke during the \(phase.rawValue) (\(reason)). Check that the port is sshd's and that the host is up, then try again.")
    }

    private func handshakeFailure(_ rc: Int32) -> SSHError {
        let detail = LibSSH2.lastError(session)
        switch rc {
        case LIBSSH2_ERROR_SOCKET_DISCONNECT, LIBSSH2_ERROR_BANNER_RECV, LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_SEND:
            return SSHError(.handshake, host: label, "\(label) closed the connection during the SSH handshake (\(detail)): the port may not be an SSH server, or sshd refused us (MaxStartups, tcp wrappers, fail2ban). Check the host's sshd log.")
        case LIBSSH2_ERROR_KEX_FAILURE:
            return SSHError(.handshake, host: label, "no key exchange, cipher or host key type in common with \(label) (\(detail)): libssh2 1.10 lacks the algorithms this server insists on. Check the server's KexAlgorithms/Ciphers/HostKeyAlgorithms.")
        default:
            return SSHError(.handshake, host: label, "the SSH handshake with \(label) failed: \(detail). Check that the port is sshd's and try again.")
        }
    }

    private func openTCP(deadline: ConnectDeadline) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(options.host, String(options.port), &hints, &list)
        if rc != 0 {
            let reason = String(cString: gai_strerror(rc))
            throw SSHError(.resolve, host: label, "could not resolve the host name '\(options.host)' (\(reason)). Check the spelling, the HostName in your ssh config, and DNS.")
        }
        defer { freeaddrinfo(list) }
        var lastErrno: Int32 = 0
        var entry = list
        while let address = entry?.pointee {
            entry = address.ai_next
            let socket = Glibc.socket(address.ai_family, address.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), address.ai_protocol)
            if socket < 0 {
                lastErrno = errno
                continue
            }
            _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
            var outcome: Int32 = 0
            if Glibc.connect(socket, address.ai_addr, address.ai_addrlen) != 0 {
                outcome = errno
                if outcome == EINPROGRESS {
                    outcome = try awaitConnect(socket, deadline)
                }
            }
            if outcome == 0 {
                var one: Int32 = 1
                _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return socket
            }
            Glibc.close(socket)
            lastErrno = outcome
        }
        if lastErrno == ECONNREFUSED {
            throw SSHError(.connectionRefused, host: label, "connection refused by \(label): nothing listens on port \(options.port) there. Check that sshd runs on the host and that the port (Port in your ssh config) is right.")
        }
        throw SSHError(.connectionRefused, host: label, "could not connect to \(label): \(String(cString: strerror(lastErrno))). Check the address, the port and the network route to the host.")
    }

    /// Waits for a non-blocking connect; returns its errno (0 when connected).
    private func awaitConnect(_ socket: Int32, _ deadline: ConnectDeadline) throws -> Int32 {
        while true {
            let remaining = deadline.end - monotonicNow()
            if remaining <= 0 {
                Glibc.close(socket)
                throw timedOut(.tcp, deadline)
            }
            var entry = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&entry, 1, Int32(min(remaining * 1000 + 1, 1000)))
            if ready > 0 {
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                _ = getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length)
                return error
            }
        }
    }
}

/// The deadline of connect + handshake + authentication; a passphrase prompt pauses it.
final class ConnectDeadline {
    private(set) var end: Double
    let seconds: Double

    init(seconds: Double) {
        self.seconds = seconds
        self.end = monotonicNow() + seconds
    }

    /// Adds the time a person spent at a prompt.
    func extend(by pause: Double) { end += pause }

    var describedSeconds: String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
    }
}
