import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Passphrases for encrypted key files: from DECKHAND_SSH_PASSPHRASE, else asked once per key file on the
/// terminal (one prompt at a time however many hosts connect), else none.
enum PassphraseSource {
    static let environmentVariable = "DECKHAND_SSH_PASSPHRASE"
    private static let lock = NSLock()
    nonisolated(unsafe) private static var remembered: [String: String] = [:]

    /// The passphrase for `keyPath` and how long a person spent typing it; nil when there is no way to get one.
    static func passphrase(for keyPath: String) -> (passphrase: String, waited: Double)? {
        if let fromEnvironment = ProcessInfo.processInfo.environment[environmentVariable] {
            return (fromEnvironment, 0)
        }
        lock.lock()
        defer { lock.unlock() }
        if let known = remembered[keyPath] { return (known, 0) }
        guard isatty(STDIN_FILENO) == 1 else { return nil }
        let started = monotonicNow()
        guard let typed = prompt("Enter passphrase for key '\(keyPath)': ") else { return nil }
        remembered[keyPath] = typed
        return (typed, monotonicNow() - started)
    }

    /// Forgets a passphrase the key did not accept.
    static func forget(_ keyPath: String) {
        lock.lock()
        remembered[keyPath] = nil
        lock.unlock()
    }

    private static func prompt(_ text: String) -> String? {
        let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard tty >= 0 else { return nil }
        defer { close(tty) }
        _ = text.withCString { write(tty, $0, strlen($0)) }
        var saved = termios()
        let haveTermios = tcgetattr(tty, &saved) == 0
        if haveTermios {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            _ = tcsetattr(tty, TCSAFLUSH, &quiet)
        }
        defer {
            if haveTermios { _ = tcsetattr(tty, TCSAFLUSH, &saved) }
            _ = write(tty, "\n", 1)
        }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(tty, &byte, 1) == 1 {
            if byte == 10 || byte == 13 { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
        return line.isEmpty ? nil : String(decoding: line, as: UTF8.self)
    }
}
