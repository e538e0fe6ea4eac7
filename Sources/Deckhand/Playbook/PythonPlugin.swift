import Foundation

/// A task name that Ansible would resolve to Python code shipped beside the playbook or role: a custom module
/// (`library/NAME.py`, run on the host inside Ansible's module wrapper) or an action plugin
/// (`action_plugins/NAME.py`, run inside ansible-playbook on the operator's machine). deckhand runs no Python on
/// either side, so such a task is refused, and the refusal names the file instead of guessing at a typo.
struct PythonPlugin: Equatable {
    enum Kind: Equatable {
        case module
        case actionPlugin
        case lookupPlugin
    }

    var kind: Kind
    var path: String

    /// Where Ansible looks, in its order: the role's folders, then the playbook's.
    static func find(_ name: String, roleDirectory: String?, playbookDirectory: String) -> PythonPlugin? {
        let bare = name.split(separator: ".").last.map(String.init) ?? name
        let folders = [roleDirectory, playbookDirectory].compactMap { $0 }
        let candidates: [(Kind, String)] = folders.flatMap { folder in
            [(Kind.actionPlugin, "\(folder)/action_plugins/\(bare).py"),
             (Kind.module, "\(folder)/library/\(bare).py"),
             (Kind.module, "\(folder)/library/\(bare)")]
        }
        for (kind, path) in candidates where FileManager.default.fileExists(atPath: path) {
            return PythonPlugin(kind: kind, path: path)
        }
        return nil
    }

    /// The lookup plugin `lookup_plugins/NAME.py` of the role or playbook, when there is one.
    static func findLookup(_ name: String, roleDirectory: String?, playbookDirectory: String?) -> PythonPlugin? {
        let bare = name.split(separator: ".").last.map(String.init) ?? name
        for folder in [roleDirectory, playbookDirectory].compactMap({ $0 }) {
            let path = "\(folder)/lookup_plugins/\(bare).py"
            if FileManager.default.fileExists(atPath: path) { return PythonPlugin(kind: .lookupPlugin, path: path) }
        }
        return nil
    }

    var refusal: String {
        switch kind {
        case .module:
            return "is the custom module \(path), which Ansible runs on the host inside its own Python module "
                + "library; deckhand runs no Python modules: do the same with modules deckhand has (deckhand doc --list)"
        case .actionPlugin:
            return "is the Python action plugin \(path), which runs inside ansible-playbook; deckhand runs no "
                + "Python plugins: do the same with modules deckhand has (deckhand doc --list)"
        case .lookupPlugin:
            return "is the Python lookup plugin \(path), which runs inside ansible-playbook; deckhand runs no "
                + "Python plugins: compute the value with the lookups deckhand has (`pipe` runs a command)"
        }
    }
}
