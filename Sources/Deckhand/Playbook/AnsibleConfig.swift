import Foundation

/// The settings deckhand honours from an existing `ansible.cfg`, so a project's playbooks run unchanged:
/// roles_path, inventory, remote_user, private_key_file, forks, host_key_checking, ansible_managed and the
/// privilege_escalation section. Found as Ansible finds it: `$ANSIBLE_CONFIG`, `./ansible.cfg`,
/// `~/.ansible.cfg`, `/etc/ansible/ansible.cfg` (the first that exists); Ansible's environment variables
/// (ANSIBLE_REMOTE_USER, ANSIBLE_ROLES_PATH, ...) win over the file.
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
    /// `host_key_checking`: false turns checking off; true leaves it to the ssh config.
    public var hostKeyChecking: Bool?
    public var become: Bool?
    public var becomeUser: String?
    public var becomeMethod: String?
    public var becomeAskPass: Bool?
    /// `ansible_managed`: the text templates put in their header comment (Ansible's default: "Ansible managed").
    public var ansibleManaged: String?
    /// Every `key = value` of the file by section, as written: the config lookup reads any setting from here.
    public var entries: [String: [String: String]] = [:]

    public init() {}

    public static let systemFile = "/etc/ansible/ansible.cfg"

    /// The settings Ansible would use from `directory` (default: the current one): the config file found
    /// there, then the environment's ANSIBLE_* variables over it.
    public static func load(from directory: String = FileManager.default.currentDirectoryPath,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            systemFile: String = AnsibleConfig.systemFile) throws -> AnsibleConfig {
        var config = try find(from: directory, environment: environment, systemFile: systemFile)
        try config.apply(environment: environment, directory: directory)
        return config
    }

    /// The config file Ansible would use from `directory` (default: the current one), or an empty one.
    public static func find(from directory: String = FileManager.default.currentDirectoryPath,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            systemFile: String = AnsibleConfig.systemFile) throws -> AnsibleConfig {
        var candidates: [String] = []
        if let explicit = environment["ANSIBLE_CONFIG"], !explicit.isEmpty { candidates.append(explicit) }
        candidates.append((directory as NSString).appendingPathComponent("ansible.cfg"))
        if let home = environment["HOME"] { candidates.append((home as NSString).appendingPathComponent(".ansible.cfg")) }
        candidates.append(systemFile)
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate) {
            return try read(path: candidate)
        }
        return AnsibleConfig()
    }

    /// Run options with this config's defaults: roles found in `rolesPath` then roles_path, forks, and the
    /// become of plays, blocks and tasks that do not say.
    public func runOptions(rolesPath: [String] = []) -> RunOptions {
        var options = RunOptions()
        options.loader = PlaybookLoader(rolesPath: rolesPath + self.rolesPath)
        options.forks = forks ?? options.forks
        options.defaultBecome = become
        options.defaultBecomeMethod = becomeMethod
        options.defaultBecomeUser = becomeUser
        if let ansibleManaged { options.ansibleManaged = ansibleManaged }
        return options
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
            let location = SourceLocation(file: path, line: index + 1, column: 1)
            config.entries[section, default: [:]][key] = value
            try config.set(section: section, key: key, value: value, relativeTo: folder, at: location)
        }
        return config
    }

    /// Ansible's environment variables for these settings, which win over the file's. Relative paths in
    /// them are taken from `directory`, as Ansible takes them from where it runs.
    mutating func apply(environment: [String: String], directory: String) throws {
        let variables: [(name: String, section: String, key: String)] = [
            ("ANSIBLE_ROLES_PATH", "defaults", "roles_path"),
            ("ANSIBLE_INVENTORY", "defaults", "inventory"),
            ("ANSIBLE_REMOTE_USER", "defaults", "remote_user"),
            ("ANSIBLE_PRIVATE_KEY_FILE", "defaults", "private_key_file"),
            ("ANSIBLE_FORKS", "defaults", "forks"),
            ("ANSIBLE_HOST_KEY_CHECKING", "defaults", "host_key_checking"),
            ("ANSIBLE_BECOME", "privilege_escalation", "become"),
            ("ANSIBLE_BECOME_USER", "privilege_escalation", "become_user"),
            ("ANSIBLE_BECOME_METHOD", "privilege_escalation", "become_method"),
            ("ANSIBLE_BECOME_ASK_PASS", "privilege_escalation", "become_ask_pass"),
        ]
        for variable in variables {
            guard let value = environment[variable.name], !value.isEmpty else { continue }
            try set(section: variable.section, key: variable.key, value: value, relativeTo: directory,
                    at: .synthetic("the environment variable \(variable.name)"))
        }
    }

    private mutating func set(section: String, key: String, value: String, relativeTo folder: String,
                              at location: SourceLocation) throws {
        func truth() throws -> Bool {
            guard let flag = NodeReader.truth(value) else {
                throw ValidationError("\(key) must be true or false", at: location, offendingText: value)
            }
            return flag
        }
        switch (section, key) {
        case ("defaults", "roles_path"):
            rolesPath = AnsibleConfig.paths(value, relativeTo: folder)
        case ("defaults", "inventory"), ("defaults", "hostfile"):
            inventory = value.split(separator: ",").map {
                AnsibleConfig.resolve(String($0).trimmingCharacters(in: .whitespaces), relativeTo: folder)
            }
        case ("defaults", "remote_user"):
            remoteUser = value
        case ("defaults", "private_key_file"):
            privateKeyFile = AnsibleConfig.resolve(value, relativeTo: folder)
        case ("defaults", "forks"):
            guard let number = Int(value), number >= 1 else {
                throw ValidationError("forks must be a whole number of at least 1", at: location, offendingText: value)
            }
            forks = number
        case ("defaults", "host_key_checking"):
            hostKeyChecking = try truth()
        case ("defaults", "ansible_managed"):
            // As Ansible's ini reader: surrounding quotes are not part of the value.
            var text = value
            if text.count >= 2, let first = text.first, ["\"", "'"].contains(first), text.last == first {
                text = String(text.dropFirst().dropLast())
            }
            ansibleManaged = text
        case ("privilege_escalation", "become"):
            become = try truth()
        case ("privilege_escalation", "become_user"):
            becomeUser = value
        case ("privilege_escalation", "become_method"):
            becomeMethod = value
        case ("privilege_escalation", "become_ask_pass"):
            becomeAskPass = try truth()
        default:
            return
        }
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
