import Foundation
import Jinja
import OrderedCollections

/// known_hosts: adds a host's public key to a known_hosts file (plain or hashed), replaces a changed key of the
/// same type, or removes the host.
///
///     - known_hosts:
///         name: git.example.com
///         key: "git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI..."
public struct KnownHostsModule: Module {
    public static let spec = ModuleSpec(
        name: "known_hosts",
        arguments: [
            ArgumentSpec("name", required: true, aliases: ["host"],
                         doc: "The host to add or remove, as ssh looks it up (`[host]:port` for another port)."),
            ArgumentSpec("key", doc: "The line to keep: `[@cert-authority|@revoked] host keytype base64key` (what "
                         + "`ssh-keyscan` prints); its host field must match name. Required with state present."),
            ArgumentSpec("path", type: .path, default: .string("~/.ssh/known_hosts"), doc: "The known_hosts file."),
            ArgumentSpec("hash_host", type: .bool, default: .bool(false),
                         doc: "Write the host hashed (`|1|salt|hash`, as `HashKnownHosts yes`), so the file does not name it."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"],
                         doc: "present: the key is in the file; absent: the key (or, without key, every line of the host) is not."),
        ],
        doc: "Keeps a host's key in a known_hosts file as Ansible's known_hosts does: a key of the same type for the "
            + "host is replaced, the file's other lines keep their order, a hashed entry matches its host. The file is "
            + "rewritten atomically; `diff` in the result holds the file before and after. With state absent and no "
            + "key, every entry of the host except @cert-authority and @revoked lines goes (ssh-keygen -R, without "
            + "its .old copy).",
        example: "- known_hosts:\n    name: github.com\n    key: \"github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\"")

    var name: String
    var host: String
    var key: String?
    var path: String
    var hashHost: Bool
    var present: Bool
    /// The salt of a hashed entry; nil draws 20 random bytes, as Ansible's hash_host.
    var salt: Data? = nil

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name")
        host = name.lowercased()
        key = try arguments.string("key").flatMap { $0.isEmpty ? nil : $0 }
        path = try arguments.requiredString("path")
        hashHost = try arguments.bool("hash_host")
        present = try arguments.requiredString("state") == "present"
        if let key, key.trimmed.contains(where: \.isNewline) {
            throw ModuleArgumentError("known_hosts' key must be one line (`[@marker] host keytype base64key`), got several")
        }
    }

    /// The path the probe reads and the task writes: a leading `~` is the login user's home, as Ansible's path type.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        var parts: [ShellCommand.Part]
        if path == "~" || path.hasPrefix("~/") {
            parts = [.assignment("r", String(path.dropFirst())), .syntax("; p=\"$HOME$r\";")]
        } else {
            parts = [.assignment("p", path), .syntax(";")]
        }
        parts.append(.syntax("""
            printf 'path %s\\n' "$p"; if test -f "$p"; then echo kind file; echo \(FileState.contentMarker); cat -- "$p"; \
            elif test -e "$p"; then echo kind other; else echo kind absent; fi
            """))
        return ShellCommand(parts: parts, compound: true)
    }

    /// The line written for `key`: hashed when asked (the marker kept, fields joined by single spaces, as Ansible's).
    func entry(for key: String) -> String {
        var line = key
        if hashHost {
            var fields = key.trimmed.split(whereSeparator: \.isWhitespace).map(String.init)
            let index = fields.first?.hasPrefix("@") == true ? 1 : 0
            if index < fields.count { fields[index] = HashedHost(hashing: host, salt: salt).field }
            line = fields.joined(separator: " ")
        }
        return line.hasSuffix("\n") ? line : line + "\n"
    }

    /// Where the host stands in the file (Ansible's search_for_host_key over `ssh-keygen -F`'s answer): whether
    /// any entry matches it, whether the key must be added or replace one, and the line (from 1) of the entry
    /// that equals the key or has its type.
    func search(_ lines: [String], for wanted: KnownHostsLine?) -> (found: Bool, replaceOrAdd: Bool, line: Int?) {
        let matching = lines.enumerated().compactMap { index, text -> (Int, KnownHostsLine)? in
            guard let entry = KnownHostsLine(text), entry.matches(host) else { return nil }
            return (index + 1, entry)
        }
        guard !matching.isEmpty else { return (false, false, nil) }
        guard var wanted else { return (true, false, nil) }
        for (number, found) in matching {
            if found.marker != nil {
                if wanted == found { return (true, false, number) }
                continue
            }
            // A hashed key matches a hashed entry of the host whatever its salt.
            if wanted.hosts.hasPrefix("|1|") && found.hosts.hasPrefix("|1|") { wanted.hosts = found.hosts }
            if wanted == found { return (true, false, number) }
            if wanted.type == found.type { return (true, true, number) }
        }
        return (true, true, nil)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let output = probe?.stdout ?? Data()
        let current = try FileState(probeOutput: output)
        let header = String(decoding: output.prefix(while: { $0 != UInt8(ascii: "\n") }), as: UTF8.self)
        let file = header.hasPrefix("path ") ? String(header.dropFirst(5)) : path
        var result = ModuleResult(values: [
            "name": .string(name), "key": key.map(Value.string) ?? .none, "path": .string(file),
            "hash_host": .bool(hashHost), "state": .string(present ? "present" : "absent"),
        ])
        guard current.kind == .file || current.kind == .absent else {
            return ModulePlan(result: .failure("\(file) is not a regular file; give known_hosts the path of a file", values: result.values))
        }
        guard key != nil || !present else {
            return ModulePlan(result: .failure("No key specified when adding a host", values: result.values))
        }
        let line = key.map(entry(for:))
        var wanted: KnownHostsLine?
        if let line {
            if host.range(of: #"\S+(\s+)?,(\s+)?"#, options: .regularExpression) != nil {
                return ModulePlan(result: .failure("Comma separated list of names is not supported. Please pass a single "
                                                   + "name to lookup in the known_hosts file.", values: result.values))
            }
            guard let parsed = KnownHostsLine(line), parsed.hasKnownMarker else {
                return ModulePlan(result: .failure("key is not a known_hosts line (`[@cert-authority|@revoked] host keytype "
                                                   + "base64key`): \(line.trimmed)", values: result.values))
            }
            guard parsed.matches(host) else {
                var failure = ModuleResult.failure("Host parameter does not match hashed host field in supplied key", values: result.values)
                failure["rc"] = .int(1)
                return ModulePlan(result: failure)
            }
            wanted = parsed
        }

        let before = String(decoding: current.content ?? Data(), as: UTF8.self)
        var lines = BlockInFileModule.linesKeepingEnds(before)
        let (found, replaceOrAdd, foundLine) = current.exists ? search(lines, for: wanted) : (false, false, nil)
        // Removing a key the host does not have changes nothing, even when the host has other keys.
        let unchanged = !present && foundLine == nil && key != nil
        if !unchanged {
            if !present && key == nil && found {
                // ssh-keygen -R: every entry of the host goes, but not its CA and revocation lines.
                lines.removeAll { text in KnownHostsLine(text).map { $0.marker == nil && $0.matches(host) } ?? false }
            } else if let foundLine, replaceOrAdd || !present, foundLine <= lines.count {
                lines.remove(at: foundLine - 1)
            }
            if present, let line, replaceOrAdd || foundLine == nil {
                if let last = lines.last, !last.hasSuffix("\n") { lines[lines.count - 1] = last + "\n" }
                lines.append(line)
            }
        }
        let after = lines.joined()
        result["diff"] = .dict([
            "before_header": .string(current.exists ? file : "/dev/null"), "after_header": .string(file),
            "before": .string(before), "after": .string(after),
        ])
        guard !unchanged, replaceOrAdd || present != found else { return .unchanged(result) }
        if context.diffMode {
            result.diffs.append(ModuleDiff(beforeHeader: current.exists ? file : "\(file) (absent)", afterHeader: file,
                                           before: before, after: after))
        }
        return .change([.put(Data(after.utf8), to: file, expected: current.expectation)], result)
    }
}
