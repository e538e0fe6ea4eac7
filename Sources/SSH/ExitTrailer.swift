import Foundation

/// Tells when a remote command has exited, whatever it left running.
///
/// sshd closes a command's channel only once every process holding its stdout and stderr has closed them, so
/// `sleep 25 &` would hold the command for 25 s; and libssh2 1.10 gives no sign that the exit-status message
/// arrived (`libssh2_channel_get_exit_status` answers 0 until then). So the command runs in a subshell, and the
/// shell around it writes a random token after it on both streams, with the exit status on stdout: once both
/// tokens are in, everything the command wrote before it exited has arrived (each stream is one pipe, in
/// order), and what comes after belongs to processes it left behind (ignored, as Ansible does).
struct ExitTrailer {
    /// Unique per command, so no output can contain it by chance.
    let token: String

    init() {
        token = "deckhand-exit-" + (0..<2).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()
    }

    /// `command` in a subshell (its `exit` ends only the subshell), then the tokens. A command that kills the
    /// shell itself (`kill $$`) writes no token: its channel ends with the signal, as before.
    func wrapping(_ command: String) -> String {
        "( \(command)\n); rc=$?; printf '%s %d\\n' \(token) \"$rc\"; printf '%s\\n' \(token) >&2; exit \"$rc\""
    }
}

/// One output stream read through an `ExitTrailer`: hands on what the command wrote, keeps back the token.
struct TrailerScanner {
    private let token: Data
    private var held = Data()
    /// What followed the token, up to the end of its line.
    private var after = Data()
    private(set) var found = false

    init(token: String) {
        self.token = Data(token.utf8)
    }

    /// Takes a chunk of the stream; returns the part to pass on. Only a tail that begins the token waits for
    /// the next chunk: a live stream (`tail -f`) must not be held back.
    mutating func feed(_ chunk: Data) -> Data {
        if found {
            if !after.contains(UInt8(ascii: "\n")) { after.append(chunk) }
            return Data()
        }
        held.append(chunk)
        if let range = held.range(of: token) {
            found = true
            let before = held.prefix(upTo: range.lowerBound)
            after = held.suffix(from: range.upperBound)
            held = Data()
            return Data(before)
        }
        let keep = tokenPrefixLength(atEndOf: held)
        let passed = held.prefix(held.count - keep)
        held = Data(held.suffix(keep))
        return Data(passed)
    }

    /// The length of the longest end of `data` that is the start of the token (0 when none is).
    private func tokenPrefixLength(atEndOf data: Data) -> Int {
        let bytes = [UInt8](data.suffix(token.count - 1))
        let first = token[token.startIndex]
        for start in bytes.indices where bytes[start] == first {
            if bytes[start...].elementsEqual(token.prefix(bytes.count - start)) { return bytes.count - start }
        }
        return 0
    }

    /// The bytes kept back, at the end of a stream that carried no token.
    mutating func flush() -> Data {
        defer { held = Data() }
        return held
    }

    /// The exit status written after the token, once its line is complete.
    var exitStatus: Int32? {
        guard found, let newline = after.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        return Int32(String(decoding: after.prefix(upTo: newline), as: UTF8.self).trimmingCharacters(in: .whitespaces))
    }
}
