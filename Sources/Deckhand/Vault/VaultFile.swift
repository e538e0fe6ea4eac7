import Foundation

/// Files as `deckhand vault` reads and writes them: whole, written atomically (a temporary file beside the
/// target, renamed over it) with the target's permissions kept, or 0600 for a new file.
public enum VaultFile {
    /// The bytes of `path`, or of standard input for "-".
    public static func read(_ path: String) throws -> [UInt8] {
        if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VaultError("cannot read \(path): does it exist and is it readable?")
        }
        return Array(data)
    }

    /// Writes `bytes` to `path` (standard output for "-") so that a reader sees the old file or the new one.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        if path == "-" {
            FileHandle.standardOutput.write(Data(bytes))
            return
        }
        let url = URL(fileURLWithPath: path)
        let mode = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.int16Value ?? 0o600
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).deckhand-\(ProcessInfo.processInfo.processIdentifier).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(bytes),
                                             attributes: [.posixPermissions: NSNumber(value: mode)]) else {
            throw VaultError("cannot write \(path): is its folder writable?")
        }
        guard rename(temporary.path, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw VaultError("cannot write \(path): \(reason)")
        }
    }

    /// Lets the user edit `plaintext` with $EDITOR (else vi) in a 0600 temporary file that is removed
    /// afterwards, and returns what was saved.
    public static func edit(_ plaintext: [UInt8], suffix: String) throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("deckhand-vault-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: NSNumber(value: Int16(0o700))])
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("plaintext" + suffix)
        guard FileManager.default.createFile(atPath: file.path, contents: Data(plaintext),
                                             attributes: [.posixPermissions: NSNumber(value: Int16(0o600))]) else {
            throw VaultError("cannot create a temporary file in \(folder.path)")
        }
        let editor = ProcessInfo.processInfo.environment["EDITOR"].flatMap { $0.isEmpty ? nil : $0 } ?? "vi"
        // $EDITOR may carry arguments ("code --wait"): Ansible splits it with shlex and runs it without a shell.
        guard let words = try? ShellWords.split(editor), !words.isEmpty else {
            throw VaultError("cannot read $EDITOR ('\(editor)') as a command")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = words + [file.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw VaultError("the editor '\(editor)' exited with \(process.terminationStatus); nothing was saved")
        }
        return try read(file.path)
    }
}
