import CLibSSH2
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// libssh2's socket callbacks: they find their SessionLoop through the session's abstract pointer.

let sessionSend: @convention(c) (libssh2_socket_t, UnsafeRawPointer?, Int, Int32, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int = {
    socket, buffer, length, flags, abstract in
    guard let buffer else { return 0 }
    guard let context = abstract?.pointee else { return -Int(EBADF) }
    let loop = Unmanaged<SessionLoop>.fromOpaque(context).takeUnretainedValue()
    if socket != loop.fd {
        // The agent's socket also goes through this callback.
        let sent = Glibc.send(socket, buffer, length, flags | Int32(MSG_NOSIGNAL))
        return sent < 0 ? -Int(errno) : sent
    }
    return loop.send(buffer, length)
}

let sessionRecv: @convention(c) (libssh2_socket_t, UnsafeMutableRawPointer?, Int, Int32, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int = {
    socket, buffer, length, flags, abstract in
    guard let buffer else { return 0 }
    guard let context = abstract?.pointee else { return -Int(EBADF) }
    let loop = Unmanaged<SessionLoop>.fromOpaque(context).takeUnretainedValue()
    if socket != loop.fd {
        let received = Glibc.recv(socket, buffer, length, flags)
        return received < 0 ? -Int(errno) : received
    }
    return loop.recv(buffer, length, flags)
}
