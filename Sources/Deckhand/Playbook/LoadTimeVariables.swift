import Foundation
import Jinja
import OrderedCollections

/// The variables known while a playbook is read, before any host is (Ansible templates `import_tasks:` with
/// them): `playbook_dir`, the play's `vars:`, and inside a role `role_path`, `role_name` and the role's
/// defaults, vars and params, in Ansible's precedence. A template among them is rendered when read, with the
/// same variables.
final class LoadTimeVariables: VariableScope {
    private let values: OrderedDictionary<String, Value>
    private let environment: Environment
    private var inProgress: Set<String> = []

    init(playbookDirectory: String, playVars: OrderedDictionary<String, Value>, role: RoleContext?,
         environment: Environment) {
        var values: OrderedDictionary<String, Value> = ["playbook_dir": .string(playbookDirectory)]
        for layer in [role?.defaults ?? [:], playVars, role?.vars ?? [:], role?.params ?? [:]] {
            for (name, value) in layer { values[name] = value }
        }
        if let role {
            values["role_path"] = .string(role.path)
            values["role_name"] = .string(role.name)
        }
        self.values = values
        self.environment = environment
    }

    func value(named name: String) throws -> Value? {
        guard let value = values[name] else { return nil }
        guard case .string(let text) = value, TemplateRenderer.isTemplate(text) else { return value }
        guard inProgress.insert(name).inserted else {
            throw TemplateError(.runtime, "recursive loop detected in template string: \(text)", templateName: name, line: 0)
        }
        defer { inProgress.remove(name) }
        return try environment.compile(text, name: name).renderValue(self)
    }

    /// `text` rendered with these variables; an undefined-variable error when it needs one only a host knows.
    func render(_ text: String) throws -> String {
        try environment.compile(text, name: text).renderValue(self).displayText
    }
}
