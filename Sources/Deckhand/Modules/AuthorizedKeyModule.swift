import Foundation
import Jinja

/// authorized_key: makes sure a public key is (or is not) in a user's ~/.ssh/authorized_keys.
///
///     - authorized_key: { user: deploy, key: "{{ lookup('file', 'deploy.pub') }}" }
public struct AuthorizedKeyModule: Module {
    public static let spec = ModuleSpec(
        name: "authorized_key",
        arguments: [
            ArgumentSpec("user", required: true, doc: "Whose authorized_keys."),
            ArgumentSpec("key", required: true, doc: "The public key line(s)."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
            ArgumentSpec("path", type: .path, doc: "Another authorized_keys file."),
            ArgumentSpec("exclusive", type: .bool, default: .bool(false), doc: "Remove every other key."),
            ArgumentSpec("manage_dir", type: .bool, default: .bool(true), doc: "Create ~/.ssh with the right owner and mode."),
        ],
        doc: "Adds or removes SSH public keys in a user's authorized_keys, creating ~/.ssh (0700) as needed.",
        example: "- authorized_key:\n    user: deploy\n    key: ssh-ed25519 AAAAC3... deploy@laptop")

    var user: String
    var keys: [String]
    var present: Bool
    var path: String?
    var exclusive: Bool
    var manageDirectory: Bool

    public init(_ arguments: ModuleArguments) throws {
        user = try arguments.requiredString("user")
        keys = try arguments.requiredString("key").splitLines.map(\.trimmed).filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !keys.isEmpty else { throw ModuleArgumentError("key is empty") }
        present = try arguments.requiredString("state") == "present"
        path = try arguments.string("path")
        exclusive = try arguments.bool("exclusive")
        manageDirectory = try arguments.bool("manage_dir")
    }

    /// The user's home and group, then the current file.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand(parts: [.assignment("u", user), .syntax(";"), .syntax("""
            h=$(getent passwd "$u" | cut -d: -f6); g=$(id -gn "$u" 2>/dev/null); echo "home $h"; echo "group $g";
            """),
            // An assignment, not `f=` then a word: that would run the path as a command and ignore it.
            .assignment("f", path ?? ""), .syntax("""
            ; test -n "$f" || f="$h/.ssh/authorized_keys"; echo "file $f"; echo @@keys; cat -- "$f" 2>/dev/null; true
            """)], compound: true)
    }

    /// Keys compare by type and blob, not comment or options.
    static func identity(_ line: String) -> String {
        let fields = line.split(separator: " ").map(String.init)
        if let index = fields.firstIndex(where: { $0.hasPrefix("ssh-") || $0.hasPrefix("ecdsa-") || $0.hasPrefix("sk-") }),
           index + 1 < fields.count {
            return fields[index] + " " + fields[index + 1]
        }
        return line
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var home = "", group = "", file = "", existing: [String] = []
        var inKeys = false
        for line in (probe?.stdoutText ?? "").splitLines {
            if inKeys { existing.append(line); continue }
            if line == "@@keys" { inKeys = true }
            else if line.hasPrefix("home ") { home = String(line.dropFirst(5)) }
            else if line.hasPrefix("group ") { group = String(line.dropFirst(6)) }
            else if line.hasPrefix("file ") { file = String(line.dropFirst(5)) }
        }
        guard !home.isEmpty else { return ModulePlan(result: .failure("user \(user) does not exist on the host")) }
        // A given path is used as given: read back through line-oriented output it could lose a newline in its name.
        if let path { file = path }
        let wanted = Set(keys.map(AuthorizedKeyModule.identity))
        var lines = existing
        if present {
            if exclusive { lines = lines.filter { wanted.contains(AuthorizedKeyModule.identity($0)) || $0.trimmed.isEmpty } }
            let have = Set(lines.map(AuthorizedKeyModule.identity))
            lines += keys.filter { !have.contains(AuthorizedKeyModule.identity($0)) }
        } else {
            lines = lines.filter { !wanted.contains(AuthorizedKeyModule.identity($0)) }
        }
        var result = ModuleResult(values: ["user": .string(user), "keyfile": .string(file)])
        guard lines != existing else { return .unchanged(result) }
        if context.diffMode {
            result.diffs.append(ModuleDiff(beforeHeader: file, afterHeader: file, before: existing.joined(separator: "\n") + "\n",
                                           after: lines.joined(separator: "\n") + "\n"))
        }
        var actions: [HostAction] = []
        let directory = (file as NSString).deletingLastPathComponent
        if manageDirectory && path == nil {
            actions.append(.run(ShellCommand("mkdir", "-p", "-m", "700", "--", directory)
                .and(ShellCommand("chown", "\(user):\(group)", "--", directory))))
        }
        let text = lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
        actions.append(.put(Data(text.utf8), to: file, mode: 0o600, owner: user, group: group.isEmpty ? nil : group))
        return .change(actions, result)
    }
}
