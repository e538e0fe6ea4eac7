import Foundation
import Jinja

/// Ansible's config lookup: the resolved value of a setting, from the task's variables, the environment,
/// ansible.cfg or its default, as Ansible resolves it.
///
///     lookup('config', 'DEFAULT_ROLES_PATH')
///     q('config', 'remote_user', 'port', plugin_type='connection', plugin_name='ssh', show_origin=True)
///     lookup('config', name, on_missing='skip')
enum ConfigLookup {
    static func query(_ terms: [Value], options: [String: Value], scope: VariableScope?,
                      environment: Environment) throws -> [Value] {
        let own = try PluginOptions.resolve(AnsibleSettings.plugins["lookup"]?["config"] ?? [], plugin: "config",
                                            type: "lookup", direct: options, scope: scope)
        let onMissing = own["on_missing"]?.displayText ?? "error"
        let showOrigin = own["show_origin"]?.isTruthy ?? false
        let pluginType = own["plugin_type"].flatMap { $0 == .none ? nil : $0.displayText }
        let pluginName = own["plugin_name"].flatMap { $0 == .none ? nil : $0.displayText }
        if (pluginType == nil) != (pluginName == nil) {
            throw LookupError("Both plugin_type and plugin_name are required, cannot use one without the other.")
        }
        let sources = PluginOptions.sources(scope: scope, environment: environment)
        var results: [Value] = []
        for term in terms {
            guard case .string(let name) = term else {
                throw LookupError("Invalid setting identifier, \(term.pythonRepr) is not a <class 'str'>, its a "
                                  + "<class '\(term.pythonTypeName)'>.")
            }
            let resolved: ConfigDefinition.Resolved
            do {
                resolved = try value(of: name, pluginType: pluginType, pluginName: pluginName, sources: sources, scope: scope)
            } catch let missing as UndefinedSetting {
                if onMissing == "error" { throw LookupError(missing.description) }
                continue
            }
            results.append(showOrigin ? .list([resolved.value, .string(resolved.origin)]) : resolved.value)
        }
        return results
    }

    /// No definition of the setting: on_missing decides.
    struct UndefinedSetting: Error, CustomStringConvertible {
        var description: String
    }

    private static func value(of name: String, pluginType: String?, pluginName: String?,
                              sources: ConfigDefinition.Sources, scope: VariableScope?) throws -> ConfigDefinition.Resolved {
        if let pluginType, let pluginName {
            let definitions = try PluginOptions.definitions(type: pluginType, name: pluginName, scope: scope)
            let label = PluginOptions.label(name, plugin: pluginName, type: pluginType)
            guard let definition = definitions.first(where: { $0.name == name }) else {
                throw UndefinedSetting(description: "No config definition exists for \(label).")
            }
            return try definition.resolve(from: sources, label: label)
        }
        if name == "CONFIG_FILE" { return (sources.config?.path.map(Value.string) ?? .none, "") }
        guard let definition = AnsibleSettings.core[name] else {
            throw UndefinedSetting(description: "No config definition exists for '\(name)'.")
        }
        return try definition.resolve(from: sources, label: "'\(name)'")
    }
}
