import CLibSSH2
import Foundation

/// One SFTP file job on the session's shared SFTP channel: write a whole file (with its mode), read one, or
/// remove one. SFTP jobs of one session run one after another, as libssh2 keeps their state per channel.
final class SFTPFileOperation: SessionOperation {
    enum Job {
        case write(Data, path: String, mode: Int)
        case read(path: String)
        case remove(path: String)
    }

    private enum State { case starting, opening, transferring, settingMode, closing, removing, done }

    private let job: Job
    private var continuation: CheckedContinuation<Data, Error>?
    private let lock = NSLock()
    private var state = State.starting
    private var handle: OpaquePointer?
    private var offset = 0
    private var received = Data()
    private var failure: SSHError?
    static let chunkSize = 256 * 1024

    init(_ job: Job, continuation: CheckedContinuation<Data, Error>) {
        self.job = job
        self.continuation = continuation
    }

    private var path: String {
        switch job {
        case .write(_, let path, _), .read(let path), .remove(let path): return path
        }
    }

    func step(_ loop: SessionLoop) -> StepResult {
        guard let session = loop.session else { return .waiting }
        var progressed = false
        func idle() -> StepResult { progressed ? .progressed : .waiting }
        while true {
            switch state {
            case .starting:
                guard loop.acquireSFTP(self) else { return .waiting }
                if loop.sftp == nil {
                    guard loop.acquireSetup(self) else { return .waiting }
                    guard let sftp = libssh2_sftp_init(session) else {
                        let rc = libssh2_session_last_errno(session)
                        if rc == LIBSSH2_ERROR_EAGAIN { return idle() }
                        loop.releaseSetup(self)
                        if SessionLoop.isFatal(rc) { loop.fail(code: rc); return .waiting }
                        return end(loop, SSHError(.sftp, host: loop.label, "\(loop.label) would not start its SFTP subsystem: \(LibSSH2.lastError(session)). Check that sshd_config has a 'Subsystem sftp' line."))
                    }
                    loop.releaseSetup(self)
                    loop.sftp = sftp
                }
                if case .remove = job { state = .removing } else { state = .opening }
                progressed = true
            case .opening:
                let flags: UInt
                let mode: Int
                switch job {
                case .write(_, _, let fileMode):
                    flags = UInt(LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC)
                    mode = fileMode
                default:
                    flags = UInt(LIBSSH2_FXF_READ)
                    mode = 0
                }
                let opened = path.withCString {
                    libssh2_sftp_open_ex(loop.sftp, $0, UInt32(strlen($0)), flags, mode, LIBSSH2_SFTP_OPENFILE)
                }
                guard let opened else {
                    let rc = libssh2_session_last_errno(session)
                    if rc == LIBSSH2_ERROR_EAGAIN { return idle() }
                    if SessionLoop.isFatal(rc) { loop.fail(code: rc); return .waiting }
                    return end(loop, sftpError(loop, rc, "open \(path)"))
                }
                handle = opened
                state = .transferring
                progressed = true
            case .transferring:
                switch job {
                case .write(let data, _, _):
                    if offset >= data.count {
                        state = .settingMode
                        continue
                    }
                    guard loop.outboundHasRoom else { return idle() }
                    let written = data.withUnsafeBytes { raw in
                        libssh2_sftp_write(handle, raw.baseAddress!.assumingMemoryBound(to: CChar.self) + offset,
                                           min(SFTPFileOperation.chunkSize, data.count - offset))
                    }
                    if written == Int(LIBSSH2_ERROR_EAGAIN) { return idle() }
                    if written < 0 {
                        if SessionLoop.isFatal(Int32(written)) { loop.fail(code: Int32(written)); return .waiting }
                        failure = sftpError(loop, Int32(written), "write \(path)")
                        state = .closing
                    } else {
                        offset += written
                    }
                    progressed = true
                case .read:
                    let count = libssh2_sftp_read(handle, loop.readBuffer.assumingMemoryBound(to: CChar.self), SessionLoop.readBufferSize)
                    if count == Int(LIBSSH2_ERROR_EAGAIN) { return idle() }
                    if count < 0 {
                        if SessionLoop.isFatal(Int32(count)) { loop.fail(code: Int32(count)); return .waiting }
                        failure = sftpError(loop, Int32(count), "read \(path)")
                        state = .closing
                    } else if count == 0 {
                        state = .closing
                    } else {
                        received.append(loop.readBuffer.assumingMemoryBound(to: UInt8.self), count: count)
                    }
                    progressed = true
                case .remove:
                    state = .closing
                }
            case .settingMode:
                // The mode given at open is reduced by sshd's umask; set it exactly.
                guard case .write(_, _, let mode) = job else { state = .closing; continue }
                var attributes = LIBSSH2_SFTP_ATTRIBUTES()
                attributes.flags = UInt(LIBSSH2_SFTP_ATTR_PERMISSIONS)
                attributes.permissions = UInt(mode)
                let rc = libssh2_sftp_fstat_ex(handle, &attributes, 1)
                if rc == LIBSSH2_ERROR_EAGAIN { return idle() }
                if rc != 0 {
                    if SessionLoop.isFatal(rc) { loop.fail(code: rc); return .waiting }
                    failure = sftpError(loop, rc, "set the mode of \(path)")
                }
                state = .closing
                progressed = true
            case .closing:
                let rc = libssh2_sftp_close_handle(handle)
                if rc == LIBSSH2_ERROR_EAGAIN { return idle() }
                handle = nil
                if rc != 0 {
                    if SessionLoop.isFatal(rc) { loop.fail(code: rc); return .waiting }
                    // A failed close of a written file may mean the data did not all land.
                    if failure == nil, case .write = job { failure = sftpError(loop, rc, "close \(path)") }
                }
                if let failure { return end(loop, failure) }
                return end(loop, received)
            case .removing:
                let rc = path.withCString { libssh2_sftp_unlink_ex(loop.sftp, $0, UInt32(strlen($0))) }
                if rc == LIBSSH2_ERROR_EAGAIN { return idle() }
                if SessionLoop.isFatal(rc) { loop.fail(code: rc); return .waiting }
                if rc != 0 { return end(loop, sftpError(loop, rc, "remove \(path)")) }
                return end(loop, Data())
            case .done:
                return .finished
            }
        }
    }

    private func end(_ loop: SessionLoop, _ error: SSHError) -> StepResult {
        loop.releaseSFTP(self)
        state = .done
        take()?.resume(throwing: error)
        return .finished
    }

    private func end(_ loop: SessionLoop, _ data: Data) -> StepResult {
        loop.releaseSFTP(self)
        state = .done
        take()?.resume(returning: data)
        return .finished
    }

    private func sftpError(_ loop: SessionLoop, _ rc: Int32, _ action: String) -> SSHError {
        guard rc == LIBSSH2_ERROR_SFTP_PROTOCOL, let sftp = loop.sftp else {
            return SSHError(.sftp, host: loop.label, "could not \(action) on \(loop.label): \(LibSSH2.lastError(loop.session)).")
        }
        let status = libssh2_sftp_last_error(sftp)
        let advice: String
        switch status {
        case UInt(LIBSSH2_FX_NO_SUCH_FILE), UInt(LIBSSH2_FX_NO_SUCH_PATH):
            advice = "no such file or directory; check the path and that its directory exists"
        case UInt(LIBSSH2_FX_PERMISSION_DENIED):
            advice = "permission denied for user '\(loop.options.user)'; write where that user may, or connect as a user who can"
        case UInt(LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM), UInt(LIBSSH2_FX_QUOTA_EXCEEDED):
            advice = "the disk is full (or over quota); free some space"
        case UInt(LIBSSH2_FX_NOT_A_DIRECTORY):
            advice = "a part of the path is not a directory"
        default:
            advice = "the server said status \(status) (SFTP 'failure'); check the path and the disk"
        }
        return SSHError(.sftp, host: loop.label, "could not \(action) on \(loop.label): \(advice).")
    }

    func abort(_ error: SSHError) {
        take()?.resume(throwing: error)
    }

    private func take() -> CheckedContinuation<Data, Error>? {
        lock.lock()
        defer { lock.unlock() }
        let taken = continuation
        continuation = nil
        return taken
    }
}
