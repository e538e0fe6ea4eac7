import Foundation

/// The settings deckhand honours from an existing `ansible.cfg`, so a project's playbooks run unchanged:
/// roles_path, inventory, remote_user, private_key_file, forks and the privilege_escalation section.
/// Found as Ansible finds it: `$ANSIBLE_CONFIG`, `./ansible.cfg`, `~/.ansible.cfg` (first that exists).
public struct AnsibleConfig: Sendable, Hashable {
    /// The file read, if any.
    public var path: String?
    /// `roles_path` entries, absolute (relative ones resolved against the file's folder, `~` expanded).
    public var rolesPath: [String] = []
    /// `inventory` entries, resolved the same way.
    public var inventory: [String] = []
    public var remoteUser: String?
    public var privateKeyFile: String?
    public var forks: Int?
    public var become: Bool?
    public var becomeUser: String?
    public var becomeMethod: String?

    public init() {}

    /// The config Ansible would use from `directory` (default: the current one), or an empty one.
    public static func find(from directory: String = FileManager.default.currentDirectoryPath,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AnsibleConfig {
        var candidates: [String] = []
        if let explicit = environment["ANSIBLE_CONFIG"], !explicit.isEmpty { candidates.append(explicit) }
        candidates.append((directory as NSString).appendingPathComponent("ansible.cfg"))
        if let home = environment["HOME"] { candidates.append((home as NSString).appendingPathComponent(".ansible.cfg")) }
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate) {
            return try read(path: candidate)
        }
        return AnsibleConfig()
    }

    /// Reads `path` (INI: `[defaults]`, `[privilege_escalation]`; other sections are ignored).
    public static func read(path: String) throws -> AnsibleConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read the Ansible config file", at: .synthetic(path))
        }
        var config = AnsibleConfig()
        config.path = path
        let folder = (path as NSString).deletingLastPathComponent
        var section = ""
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let equals = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw ValidationError("expected 'key = value'", at: SourceLocation(file: path, line: index + 1, column: 1),
                                      offendingText: line)
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if let comment = value.range(of: " ;") ?? value.range(of: " #") {
                value = value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            switch (section, key) {
            case ("defaults", "roles_path"):
                config.rolesPath = paths(value, relativeTo: folder)
            case ("defaults", "inventory"), ("defaults", "hostfile"):
                config.inventory = value.split(separator: ",").map {
                    resolve(String($0).trimmingCharacters(in: .whitespaces), relativeTo: folder)
                }
            case ("defaults", "remote_user"):
                config.remoteUser = value
            case ("defaults", "private_key_file"):
                config.privateKeyFile = resolve(value, relativeTo: folder)
            case ("defaults", "forks"):
                config.forks = Int(value)
            case ("privilege_escalation", "become"):
                config.become = NodeReader.truth(value)
            case ("privilege_escalation", "become_user"):
                config.becomeUser = value
            case ("privilege_escalation", "become_method"):
                config.becomeMethod = value
            default:
                continue
            }
        }
        return config
    }

    static func paths(_ value: String, relativeTo folder: String) -> [String] {
        value.split(separator: ":").map { resolve(String($0).trimmingCharacters(in: .whitespaces), relativeTo: folder) }
            .filter { !$0.isEmpty }
    }

    static func resolve(_ path: String, relativeTo folder: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") || expanded.isEmpty { return expanded }
        return ((folder as NSString).appendingPathComponent(expanded) as NSString).standardizingPath
    }
}
