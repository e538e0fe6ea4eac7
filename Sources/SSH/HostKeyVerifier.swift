import CLibSSH2
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Checks a server's host key against known_hosts files (plain and hashed lines), per the host key policy:
/// the user's files, then the global ones (read, never written), as OpenSSH does. It fails closed: a bad line
/// is skipped and named, never the file, and a key on an `@revoked` line is refused under every policy.
final class HostKeyVerifier {
    private unowned let loop: SessionLoop
    private let collection: OpaquePointer?
    /// The user's known_hosts files; accept-new records into the first.
    private let userFiles: [String]
    /// The user's files, then the global ones.
    private let files: [String]
    private var revokedKeys: [Data] = []

    init(loop: SessionLoop) {
        self.loop = loop
        self.collection = libssh2_knownhost_init(loop.session)
        let userFiles = loop.options.knownHostsFiles.isEmpty
            ? [NSHomeDirectory() + "/.ssh/known_hosts"]
            : loop.options.knownHostsFiles
        self.userFiles = userFiles
        self.files = userFiles + loop.options.globalKnownHostsFiles.filter { !userFiles.contains($0) }
        var skipped: [String] = []
        for path in files {
            var file = KnownHostsFile(path: path)
            for entry in file.entries where entry.marker == nil {
                if !HostKeyVerifier.add(line: entry.text, to: collection) {
                    file.skip(entry, because: "not a known_hosts entry deckhand can read")
                }
            }
            revokedKeys += file.revokedKeys
            skipped += file.skipped
        }
        HostKeyVerifier.warnOnce(about: skipped)
    }

    deinit {
        if let collection { libssh2_knownhost_free(collection) }
    }

    private var host: String { loop.options.host }
    private var port: Int32 { Int32(loop.options.port) }

    /// The name known_hosts uses for this host: `host`, or `[host]:port` off port 22.
    private var entryName: String { port == 22 ? host : "[\(host)]:\(port)" }

    /// Asks the server for the key types known_hosts already holds for this host first (as OpenSSH does),
    /// so a host with an ecdsa entry is not refused for offering ed25519.
    func preferKnownKeyTypes() {
        guard loop.options.hostKeyPolicy != .off, let session = loop.session else { return }
        var algorithms: UnsafeMutablePointer<UnsafePointer<CChar>?>?
        let count = libssh2_session_supported_algs(session, LIBSSH2_METHOD_HOSTKEY, &algorithms)
        guard count > 0, let algorithms else { return }
        var supported: [String] = []
        for index in 0..<Int(count) {
            if let name = algorithms[index] { supported.append(String(cString: name)) }
        }
        libssh2_free(session, algorithms)
        let known = supported.filter { name in
            guard let type = HostKeyVerifier.knownHostType(algorithm: name) else { return false }
            return hasEntry(ofType: type)
        }
        guard !known.isEmpty else { return }
        let preference = (known + supported.filter { !known.contains($0) }).joined(separator: ",")
        _ = libssh2_session_method_pref(session, LIBSSH2_METHOD_HOSTKEY, preference)
    }

    private func hasEntry(ofType type: Int32) -> Bool {
        // A one-byte key never matches, so "mismatch" means an entry of this type exists for the host.
        var dummy: UInt8 = 0
        let rc = libssh2_knownhost_checkp(collection, host, port, &dummy, 1,
                                          LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | type, nil)
        return rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH
    }

    func verify() throws {
        guard let session = loop.session else { return }
        var length = 0
        var keyType: Int32 = 0
        guard let key = libssh2_session_hostkey(session, &length, &keyType) else {
            throw SSHError(.handshake, host: loop.label, "\(loop.label) sent no host key; try again.")
        }
        let blob = Data(bytes: key, count: length)
        let fingerprint = HostKeyVerifier.fingerprint(session)
        let typeName = HostKeyVerifier.blobTypeName(blob) ?? "unknown"
        let described = "\(HostKeyVerifier.shortName(typeName)) key \(fingerprint)"

        if revokedKeys.contains(blob) {
            throw SSHError(.hostKeyChanged, host: loop.label, """
                the host key of \(loop.label) (\(described)) is REVOKED (an @revoked line in \(files.joined(separator: ", "))): \
                it must never be accepted. The host needs new keys; until then, do not connect.
                """)
        }
        if loop.options.hostKeyPolicy == .off {
            FileHandle.standardError.write(Data("""
                WARNING: host key checking is OFF for \(loop.label) (StrictHostKeyChecking off). Its \(described) \
                is accepted unverified: a machine in the middle could read and change everything, secrets included. \
                Use strict or accept-new for any host that matters.\n
                """.utf8))
            return
        }
        let knownType = HostKeyVerifier.knownHostType(keyType: keyType)
        let rc = key.withMemoryRebound(to: CChar.self, capacity: length) {
            libssh2_knownhost_checkp(collection, host, port, $0, length,
                                     LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | knownType, nil)
        }
        let line = "\(entryName) \(typeName) \(blob.base64EncodedString())"
        switch rc {
        case LIBSSH2_KNOWNHOST_CHECK_MATCH:
            return
        case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
            let old = findChangedEntry(key: blob, knownType: knownType)
            let location = old.map { "\($0.file):\($0.line)" } ?? files.joined(separator: ", ")
            let removeFile = old?.file ?? userFiles[0]
            throw SSHError(.hostKeyChanged, host: loop.label, """
                WARNING: the host key of \(loop.label) has CHANGED: it now offers the \(described), which does not \
                match \(location). Either the host was rebuilt (new keys) or someone is intercepting the connection. \
                If you know the host was rebuilt, remove the old entry with: ssh-keygen -R '\(entryName)' -f \(removeFile) \
                — then connect again (with accept-new to record the new key). Otherwise stop and investigate.
                """)
        case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
            if loop.options.hostKeyPolicy == .acceptNew {
                try record(line: line, described: described)
                return
            }
            throw SSHError(.hostKeyUnknown, host: loop.label, """
                the host key of \(loop.label) is unknown (\(described)); deckhand checks host keys strictly against \
                \(files.joined(separator: ", ")). If this fingerprint is the one you expect (on the host: \
                ssh-keygen -lf /etc/ssh/ssh_host_\(HostKeyVerifier.fileStem(typeName))_key.pub), add this line to \
                \(userFiles[0]): \(line) — or connect once with StrictHostKeyChecking accept-new.
                """)
        default:
            throw SSHError(.hostKeyUnknown, host: loop.label, "could not check the host key of \(loop.label) (\(described)) against \(files.joined(separator: ", ")): \(LibSSH2.lastError(session)). Check that the known_hosts files are readable.")
        }
    }

    /// Appends the new key to the user's first known_hosts file (accept-new).
    private func record(line: String, described: String) throws {
        let file = userFiles[0]
        try HostKeyVerifier.fileLock.withLock {
            // Another session of this process may have recorded the key meanwhile.
            if KnownHostsFile(path: file).entries.contains(where: { $0.text == line }) { return }
            let directory = (file as NSString).deletingLastPathComponent
            if !directory.isEmpty { mkdir(directory, 0o700) }
            let descriptor = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                throw SSHError(.hostKeyUnknown, host: loop.label, "could not record the host key of \(loop.label) in \(file): \(String(cString: strerror(errno))). Fix the file's permissions, or add this line yourself: \(line)")
            }
            defer { Glibc.close(descriptor) }
            var text = line + "\n"
            if let existing = try? Data(contentsOf: URL(fileURLWithPath: file)), let last = existing.last, last != 10 {
                text = "\n" + text
            }
            let bytes = Array(text.utf8)
            guard write(descriptor, bytes, bytes.count) == bytes.count else {
                throw SSHError(.hostKeyUnknown, host: loop.label, "could not write the host key of \(loop.label) to \(file): \(String(cString: strerror(errno))). Add this line yourself: \(line)")
            }
        }
        FileHandle.standardError.write(Data("deckhand: permanently added \(entryName) (\(described)) to \(file)\n".utf8))
    }

    /// The file and line of the entry that holds another key of the same type for this host.
    private func findChangedEntry(key: Data, knownType: Int32) -> (file: String, line: Int)? {
        for file in files {
            for line in KnownHostsFile(path: file).entries where line.marker == nil {
                let single = libssh2_knownhost_init(loop.session)
                defer { libssh2_knownhost_free(single) }
                guard HostKeyVerifier.add(line: line.text, to: single) else { continue }
                let rc = key.withUnsafeBytes { raw in
                    libssh2_knownhost_checkp(single, host, port, raw.baseAddress?.assumingMemoryBound(to: CChar.self), key.count,
                                             LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | knownType, nil)
                }
                if rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH { return (file, line.number) }
            }
        }
        return nil
    }

    private static let fileLock = NSLock()
    nonisolated(unsafe) private static var warned: Set<String> = []

    /// Names each skipped line on standard error, once per process (every session reads the same files).
    private static func warnOnce(about skipped: [String]) {
        let fresh = fileLock.withLock { skipped.filter { warned.insert($0).inserted } }
        for line in fresh {
            FileHandle.standardError.write(Data("deckhand: skipped \(line) (fix or remove that line)\n".utf8))
        }
    }

    /// Adds one known_hosts line (without marker); false when libssh2 cannot parse it (an unknown key type).
    private static func add(line: String, to collection: OpaquePointer?) -> Bool {
        line.withCString { libssh2_knownhost_readline(collection, $0, strlen($0), LIBSSH2_KNOWNHOST_FILE_OPENSSH) } == 0
    }

    /// OpenSSH's fingerprint format: "SHA256:" and the unpadded base64 of the key blob's SHA-256.
    static func fingerprint(_ session: OpaquePointer) -> String {
        guard let hash = libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256) else { return "SHA256:?" }
        let digest = Data(bytes: hash, count: 32)
        return "SHA256:" + digest.base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    /// The algorithm name at the start of an SSH key blob ("ssh-ed25519", ...).
    static func blobTypeName(_ blob: Data) -> String? {
        guard blob.count >= 4 else { return nil }
        let bytes = [UInt8](blob.prefix(64))
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        guard length > 0, 4 + length <= bytes.count else { return nil }
        return String(decoding: bytes[4..<(4 + length)], as: UTF8.self)
    }

    /// "ED25519", "ECDSA", "RSA": how OpenSSH names key types in messages.
    static func shortName(_ typeName: String) -> String {
        if typeName.contains("ed25519") { return "ED25519" }
        if typeName.hasPrefix("ecdsa") { return "ECDSA" }
        if typeName.contains("rsa") { return "RSA" }
        if typeName.contains("dss") { return "DSA" }
        return typeName
    }

    private static func fileStem(_ typeName: String) -> String {
        switch shortName(typeName) {
        case "ED25519": return "ed25519"
        case "ECDSA": return "ecdsa"
        case "RSA": return "rsa"
        default: return "*"
        }
    }

    static func knownHostType(keyType: Int32) -> Int32 {
        switch keyType {
        case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA
        case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521
        case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519
        default: return LIBSSH2_KNOWNHOST_KEY_UNKNOWN
        }
    }

    static func knownHostType(algorithm: String) -> Int32? {
        switch algorithm {
        case "ssh-ed25519": return LIBSSH2_KNOWNHOST_KEY_ED25519
        case "ecdsa-sha2-nistp256": return LIBSSH2_KNOWNHOST_KEY_ECDSA_256
        case "ecdsa-sha2-nistp384": return LIBSSH2_KNOWNHOST_KEY_ECDSA_384
        case "ecdsa-sha2-nistp521": return LIBSSH2_KNOWNHOST_KEY_ECDSA_521
        case "ssh-rsa", "rsa-sha2-256", "rsa-sha2-512": return LIBSSH2_KNOWNHOST_KEY_SSHRSA
        case "ssh-dss": return LIBSSH2_KNOWNHOST_KEY_SSHDSS
        default: return nil
        }
    }
}
