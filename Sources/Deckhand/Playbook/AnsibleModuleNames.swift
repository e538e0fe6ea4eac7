/// Names that are modules in Ansible, whether deckhand has them or not: what tells a module deckhand lacks
/// (`dnf`, `community.general.pam_limits`) from a typo.
enum AnsibleModuleNames {
    /// ansible-core 2.21's modules (lib/ansible/modules), and `yum`, which its routing sends to dnf.
    static let core: Set<String> = [
        "yum",
        "add_host", "apt", "apt_key", "apt_repository", "assemble", "assert", "async_status", "blockinfile", "command",
        "copy", "cron", "deb822_repository", "debconf", "debug", "dnf", "dnf5", "dpkg_selections", "expect", "fail",
        "fetch", "file", "find", "gather_facts", "get_url", "getent", "git", "group", "group_by", "hostname",
        "include_vars", "iptables", "known_hosts", "lineinfile", "meta", "mount_facts", "package", "package_facts",
        "pause", "ping", "pip", "raw", "reboot", "replace", "rpm_key", "script", "service", "service_facts", "set_fact",
        "set_stats", "setup", "shell", "slurp", "stat", "subversion", "systemd", "systemd_service", "sysvinit",
        "tempfile", "template", "unarchive", "uri", "user", "validate_argument_spec", "wait_for", "wait_for_connection",
        "yum_repository",
    ]

    /// True for an ansible-core module (bare, or as ansible.builtin./ansible.legacy.) and for any collection's
    /// fully qualified name (namespace.collection.module), which no typo of a module deckhand has looks like.
    static func isAnsibleModule(_ name: String) -> Bool {
        for prefix in ["ansible.builtin.", "ansible.legacy."] where name.hasPrefix(prefix) {
            return core.contains(String(name.dropFirst(prefix.count)))
        }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count >= 3 { return parts.allSatisfy { !$0.isEmpty } }
        return core.contains(name)
    }
}
