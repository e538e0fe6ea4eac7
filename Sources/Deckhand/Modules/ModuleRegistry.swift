/// Every module deckhand knows, by name. The runner's module files each add one line to `specs`.
public enum ModuleRegistry {
    /// The declarations of all modules. (Owned by the modules side; the playbook side only looks up.)
    public static let specs: [ModuleSpec] = []

    /// Collection prefixes stripped from module names (`ansible.builtin.copy` -> `copy`).
    public static let collectionPrefixes = [
        "ansible.builtin.", "ansible.legacy.", "ansible.posix.", "community.general.", "community.postgresql.",
    ]

    /// The module called `name` (bare, fully qualified, or an alias), or nil.
    public static func spec(named name: String) -> ModuleSpec? {
        spec(named: name, in: specs)
    }

    /// Looks `name` up in `specs`: exact name, then aliases, then the name without its collection prefix.
    public static func spec(named name: String, in specs: [ModuleSpec]) -> ModuleSpec? {
        if let spec = specs.first(where: { $0.name == name || $0.aliases.contains(name) }) { return spec }
        let bare = canonicalName(name)
        if bare != name { return specs.first { $0.name == bare } }
        return nil
    }

    /// `name` without a known collection prefix.
    public static func canonicalName(_ name: String) -> String {
        for prefix in collectionPrefixes where name.hasPrefix(prefix) {
            return String(name.dropFirst(prefix.count))
        }
        return name
    }
}
