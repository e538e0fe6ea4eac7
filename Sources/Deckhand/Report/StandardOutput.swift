import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes report text to stdout with write(2): whole chunks, and quietly nothing once the reader is gone
/// (`deckhand run ... | head` must not crash). Values decrypted from Ansible Vault are masked.
enum StandardOutput {
    static func write(_ text: String) {
        let data = Data(VaultSecrets.revealed.mask(text).utf8)
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard var pointer = buffer.baseAddress else { return }
            var remaining = buffer.count
            while remaining > 0 {
                let written = Glibc.write(STDOUT_FILENO, pointer, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                pointer += written
                remaining -= written
            }
        }
    }
}
