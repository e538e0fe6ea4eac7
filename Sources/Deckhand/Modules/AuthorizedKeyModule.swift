import Foundation
import Jinja
import SSH

/// authorized_key: adds or removes SSH public keys in a user's authorized_keys.
///
///     - authorized_key: { user: deploy, key: "{{ lookup('file', 'deploy.pub') }}" }
public struct AuthorizedKeyModule: Module {
    public static let spec = ModuleSpec(
        name: "authorized_key",
        arguments: [
            ArgumentSpec("user", required: true, doc: "Whose authorized_keys to edit."),
            ArgumentSpec("key", required: true, doc: "One or more public keys, one per line."),
            ArgumentSpec("path", type: .path, doc: "The file (default: ~user/.ssh/authorized_keys)."),
            ArgumentSpec("manage_dir", type: .bool, default: .bool(true), doc: "Create ~/.ssh (0700, owned by the user) when needed."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
            ArgumentSpec("key_options", doc: "Options put before the key (from=\"10.0.0.1\",no-pty)."),
            ArgumentSpec("exclusive", type: .bool, default: .bool(false), doc: "Remove every key not given here."),
            ArgumentSpec("comment", doc: "Replace the keys' comment."),
            ArgumentSpec("validate_certs", type: .bool, default: .bool(true), doc: "Accepted; keys from URLs are not supported."),
        ],
        doc: "Keeps public keys in (or out of) a user's authorized_keys; a key is the same key whatever its options "
            + "or comment, which are updated in place.",
        example: "- authorized_key:\n    user: deploy\n    key: \"{{ lookup('file', 'files/deploy.pub') }}\"")

    /// One authorized_keys line, split into its parts.
    struct Entry: Equatable {
        var options: String?
        var type: String
        var blob: String
        var comment: String?

        init?(_ line: String) {
            let trimmed = line.trimmed
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
            let words = trimmed.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let typeIndex = words.firstIndex(where: Entry.isKeyType), typeIndex + 1 < words.count else { return nil }
            options = typeIndex > 0 ? words[..<typeIndex].joined(separator: " ") : nil
            type = words[typeIndex]
            blob = words[typeIndex + 1]
            comment = typeIndex + 2 < words.count ? words[(typeIndex + 2)...].joined(separator: " ") : nil
        }

        static func isKeyType(_ word: String) -> Bool {
            word.hasPrefix("ssh-") || word.hasPrefix("ecdsa-") || word.hasPrefix("sk-")
        }

        var line: String {
            [options, type, blob, comment].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        }
    }

    var user: String
    var keyText: String
    var keys: [Entry]
    var path: String?
    var manageDirectory: Bool
    var present: Bool
    var keyOptions: String?
    var exclusive: Bool
    var comment: String?

    public init(_ arguments: ModuleArguments) throws {
        user = try arguments.requiredString("user")
        keyText = try arguments.requiredString("key")
        path = try arguments.string("path")
        manageDirectory = try arguments.bool("manage_dir", default: true)
        present = try arguments.choice("state", ["present", "absent"], default: "present") == "present"
        keyOptions = try arguments.string("key_options")
        exclusive = try arguments.bool("exclusive", default: false)
        comment = try arguments.string("comment")
        if keyText.hasPrefix("http://") || keyText.hasPrefix("https://") {
            throw ModuleArgumentError("keys from URLs are not supported; use lookup('file', ...) or get_url first")
        }
        var keys: [Entry] = []
        for line in keyText.splitLines where !line.trimmed.isEmpty && !line.trimmed.hasPrefix("#") {
            guard var entry = Entry(line) else {
                throw ModuleArgumentError("invalid key specified: \(line.prefix(40))... (expected 'ssh-ed25519 AAAA... comment')")
            }
            if let keyOptions { entry.options = keyOptions }
            if let comment { entry.comment = comment }
            keys.append(entry)
        }
        guard !keys.isEmpty || (exclusive && present) else { throw ModuleArgumentError("key has no public key in it") }
        self.keys = keys
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        // The home directory comes from the user database, so the file's path is known only on the host.
        ShellCommand(parts: [
            .assignment("u", user), .syntax(";"),
            .syntax("h=$(getent passwd \"$u\" | cut -d: -f6); test -n \"$h\" || { echo \"no such user: $u\" >&2; exit 3; };"),
            .syntax("printf 'home %s\\n' \"$h\";"),
        ] + (path.map { [.assignment("f", $0), .syntax(";")] } ?? [.syntax("f=\"$h/.ssh/authorized_keys\";")]) + [
            .syntax("printf 'file %s\\n' \"$f\"; if test -f \"$f\"; then echo exists; echo \(FileState.contentMarker); cat -- \"$f\"; fi"),
        ], compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let output = probe?.stdoutText ?? ""
        if let probe, probe.exitStatus != 0 {
            return ModulePlan(result: .failure("cannot edit the authorized keys of \(user): \(probe.stderrText.trimmed)"))
        }
        var header = output, body = ""
        if let range = output.range(of: "\n" + FileState.contentMarker + "\n") {
            header = String(output[..<range.lowerBound])
            body = String(output[range.upperBound...])
        }
        var fields: [String: String] = [:]
        for line in header.splitLines {
            let pair = line.split(separator: " ", maxSplits: 1).map(String.init)
            fields[pair[0]] = pair.count > 1 ? pair[1] : ""
        }
        let file = path ?? fields["file"] ?? "~\(user)/.ssh/authorized_keys"
        var lines = body.splitLines
        let before = lines
        let wantedBlobs = Set(keys.map(\.blob))
        if present {
            for key in keys {
                if let index = lines.firstIndex(where: { Entry($0)?.blob == key.blob }) {
                    var merged = key
                    if keyOptions == nil { merged.options = Entry(lines[index])?.options }
                    if comment == nil { merged.comment = key.comment ?? Entry(lines[index])?.comment }
                    lines[index] = merged.line
                } else {
                    lines.append(key.line)
                }
            }
            if exclusive { lines.removeAll { Entry($0).map { !wantedBlobs.contains($0.blob) } ?? false } }
        } else {
            lines.removeAll { Entry($0).map { wantedBlobs.contains($0.blob) } ?? false }
        }
        var result = ModuleResult()
        result["user"] = .string(user)
        result["key"] = .string(keyText)
        result["key_options"] = keyOptions.map(Value.string) ?? .none
        result["keyfile"] = .string(file)
        result["exclusive"] = .bool(exclusive)
        result["state"] = .string(present ? "present" : "absent")
        if lines == before { return .unchanged(result) }
        let text = lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
        if context.diffMode {
            result.diffs.append(ModuleDiff(beforeHeader: file, afterHeader: file, before: body, after: text))
        }
        var actions: [HostAction] = []
        let directory = (file as NSString).deletingLastPathComponent
        if manageDirectory && path == nil {
            actions.append(.run(ShellCommand("test", "-d", directory).or(
                ShellCommand("mkdir", "-m", "700", "--", directory).and(ShellCommand("chown", user + ":", "--", directory)))))
        }
        actions.append(.put(Data(text.utf8), to: file, mode: 0o600, owner: user))
        return .change(actions, result)
    }
}
