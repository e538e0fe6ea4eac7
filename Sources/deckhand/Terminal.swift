import Deckhand
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes to the terminal's streams unbuffered, safe to call from any thread (one write(2) per chunk).
/// Values decrypted from Ansible Vault are masked in what `out` and `error` print.
enum Terminal {
    static func out(_ text: String) { write(Data(VaultSecrets.revealed.mask(text).utf8), to: STDOUT_FILENO) }

    /// "deckhand: " and the message, on stderr.
    static func error(_ message: String) {
        write(Data("deckhand: \(VaultSecrets.revealed.mask(message))\n".utf8), to: STDERR_FILENO)
    }

    /// A remote command's output, passed through to the stream it came on (`sh`, `exec`).
    static let passThrough: CommandOutputHandler = { stream, data in
        write(data, to: stream == .stdout ? STDOUT_FILENO : STDERR_FILENO)
    }

    /// Writes all of `data`; gives up quietly (and returns false) when the reader went away (a closed pipe).
    @discardableResult
    static func write(_ data: Data, to descriptor: Int32) -> Bool {
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) -> Bool in
            guard var pointer = buffer.baseAddress else { return true }
            var remaining = buffer.count
            while remaining > 0 {
                let written = Glibc.write(descriptor, pointer, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                pointer += written
                remaining -= written
            }
            return true
        }
    }
}
