import CLibSSH2
import Foundation

/// Public key login: the ssh-agent's keys, then key files; a failure names the user, the methods the server
/// offered and every key tried.
struct Authenticator {
    unowned let loop: SessionLoop
    let deadline: ConnectDeadline
    private var tried: [String] = []
    private var rsaRefused = false

    init(loop: SessionLoop, deadline: ConnectDeadline) {
        self.loop = loop
        self.deadline = deadline
    }

    private var user: String { loop.options.user }
    private var userLength: UInt32 { UInt32(user.utf8.count) }

    mutating func authenticate() throws {
        guard let session = loop.session else { return }
        let options = loop.options
        let user = self.user
        let length = userLength
        let list = try loop.retryingPointer(.authentication, deadline) { libssh2_userauth_list(session, user, length) }
        guard let list else {
            if libssh2_userauth_authenticated(session) != 0 { return }
            throw SSHError(.authentication, host: loop.label, "\(loop.label) did not say how '\(user)' may log in: \(LibSSH2.lastError(session)). Try again; check the host's sshd log if it persists.")
        }
        let methods = String(cString: list)
        guard methods.split(separator: ",").contains("publickey") else {
            throw SSHError(.authentication, host: loop.label, "'\(user)' could not log in to \(loop.label): the server offers only \(methods), and deckhand logs in with keys. Add your public key to ~\(user)/.ssh/authorized_keys on the host (ssh-copy-id).")
        }

        let agentAllowed = options.useAgent && !(options.identitiesOnly && !options.identityFiles.isEmpty)
        if agentAllowed, let socket = ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"], !socket.isEmpty {
            if try loginWithAgent(socket: socket) { return }
        }
        let explicit = !options.identityFiles.isEmpty
        let files = explicit
            ? options.identityFiles.map { ($0 as NSString).expandingTildeInPath }
            : ["id_ed25519", "id_ecdsa", "id_rsa"].map { NSHomeDirectory() + "/.ssh/" + $0 }
        for file in files {
            if try loginWithKeyFile(file, explicit: explicit) { return }
        }
        throw failure(methods: methods, defaultFiles: explicit ? [] : files)
    }

    private mutating func loginWithAgent(socket: String) throws -> Bool {
        guard let session = loop.session, let agent = libssh2_agent_init(session) else { return false }
        defer { libssh2_agent_free(agent) }
        guard libssh2_agent_connect(agent) == 0 else {
            tried.append("ssh-agent at \(socket) (not reachable)")
            return false
        }
        defer { libssh2_agent_disconnect(agent) }
        guard try loop.retrying(.authentication, deadline, { libssh2_agent_list_identities(agent) }) == 0 else {
            tried.append("ssh-agent at \(socket) (would not list its keys)")
            return false
        }
        var identity: UnsafeMutablePointer<libssh2_agent_publickey>?
        var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
        var count = 0
        let user = self.user
        while libssh2_agent_get_identity(agent, &identity, previous) == 0, let current = identity {
            count += 1
            let comment = current.pointee.comment.map { String(cString: $0) } ?? "?"
            let blob = Data(bytes: current.pointee.blob, count: Int(current.pointee.blob_len))
            let type = HostKeyVerifier.blobTypeName(blob) ?? "unknown"
            let rc = try loop.retrying(.authentication, deadline) { libssh2_agent_userauth(agent, user, current) }
            if rc == 0 { return true }
            if SessionLoop.isFatal(rc) { throw loop.brokenDuring(.authentication) }
            tried.append("agent key '\(comment)' (\(HostKeyVerifier.shortName(type)), refused)")
            if type == "ssh-rsa" { rsaRefused = true }
            previous = current
        }
        if count == 0 { tried.append("ssh-agent at \(socket) (holds no keys)") }
        return false
    }

    private mutating func loginWithKeyFile(_ path: String, explicit: Bool) throws -> Bool {
        guard let session = loop.session else { return false }
        guard let key = PrivateKeyFile(path: path) else {
            if explicit { tried.append("\(path) (missing or unreadable)") }
            return false
        }
        var passphrase: String?
        if key.encrypted {
            guard let obtained = PassphraseSource.passphrase(for: path) else {
                throw SSHError(.authentication, host: loop.label, "the key \(path) is protected by a passphrase and there is no way to ask for it (no terminal on stdin). Set \(PassphraseSource.environmentVariable), or load the key into ssh-agent (ssh-add \(path)).")
            }
            deadline.extend(by: obtained.waited)
            passphrase = obtained.passphrase
        }
        let user = self.user
        let length = userLength
        let rc = try loop.retrying(.authentication, deadline) {
            libssh2_userauth_publickey_fromfile_ex(session, user, length, key.publicKeyPath, path, passphrase)
        }
        let typeName = key.keyType.map(HostKeyVerifier.shortName) ?? "unknown type"
        switch rc {
        case 0:
            return true
        case LIBSSH2_ERROR_FILE where key.encrypted:
            PassphraseSource.forget(path)
            let source = ProcessInfo.processInfo.environment[PassphraseSource.environmentVariable] != nil
                ? "from \(PassphraseSource.environmentVariable)" : "as typed"
            throw SSHError(.authentication, host: loop.label, "the passphrase \(source) does not unlock the key \(path). Check it (ssh-keygen -y -f \(path) asks for it and prints the public key when it is right).")
        case LIBSSH2_ERROR_FILE:
            tried.append("\(path) (\(typeName); libssh2 cannot read it: \(LibSSH2.lastError(session)))")
        default:
            if SessionLoop.isFatal(rc) { throw loop.brokenDuring(.authentication) }
            tried.append("\(path) (\(typeName), refused)")
            if key.isRSA { rsaRefused = true }
        }
        return false
    }

    private func failure(methods: String, defaultFiles: [String]) -> SSHError {
        var text = "'\(user)' could not log in to \(loop.label). The server offers: \(methods). "
        if tried.isEmpty {
            let agent = ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"].map { _ in "the ssh-agent" } ?? "no ssh-agent (SSH_AUTH_SOCK is unset)"
            text += "There was no key to try: \(agent), and none of \(defaultFiles.isEmpty ? "the identity files" : defaultFiles.joined(separator: ", ")) exists. Create a key (ssh-keygen -t ed25519) and add its .pub to ~\(user)/.ssh/authorized_keys on the host."
        } else {
            text += "Tried: \(tried.joined(separator: "; ")). "
            if rsaRefused {
                text += "An RSA key was refused: OpenSSH 8.8 and later refuse RSA signatures made with SHA-1 (ssh-rsa), and Debian's libssh2 1.10 can make no other kind. Use an ed25519 key (ssh-keygen -t ed25519) and add its .pub to ~\(user)/.ssh/authorized_keys on the host."
            } else {
                text += "Check that one of these keys is in ~\(user)/.ssh/authorized_keys on the host, and the host's sshd log (journalctl -u ssh) for why it was refused."
            }
        }
        return SSHError(.authentication, host: loop.label, text)
    }
}
