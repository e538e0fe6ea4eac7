import Foundation
import Jinja

/// A plugin's options as Ansible's set_options resolves them, and where a plugin's option definitions come from:
/// deckhand's table for the plugins it has, the DOCUMENTATION of a plugin file beside the role or playbook.
enum PluginOptions {
    /// `'name' for 'plugin' type plugin`, as Ansible's messages name an option.
    static func label(_ name: String, plugin: String, type: String) -> String {
        "'\(name)' for '\(plugin)' \(type) plugin"
    }

    /// The value of every option in `definitions`, from `direct` (the lookup's keyword arguments) and the sources.
    static func resolve(_ definitions: [ConfigDefinition], plugin: String, type: String, direct: [String: Value],
                        scope: VariableScope?) throws -> [String: Value] {
        var sources = sources(scope: scope, environment: nil, readingConfig: definitions.contains { !$0.ini.isEmpty })
        sources.direct = direct
        var values: [String: Value] = [:]
        for definition in definitions {
            do {
                let named = label(definition.name, plugin: plugin, type: type)
                values[definition.name] = try definition.resolve(from: sources, label: named).value
            } catch let error as ConfigError {
                throw LookupError(error.description)
            }
        }
        return values
    }

    /// The sources of a setting: the task's variables, the process environment and the ansible.cfg Ansible
    /// would read from here; templated defaults render with the core settings they name.
    static func sources(scope: VariableScope?, environment: Environment?,
                        readingConfig: Bool = true) -> ConfigDefinition.Sources {
        var sources = ConfigDefinition.Sources()
        sources.variables = scope
        if readingConfig { sources.config = try? AnsibleConfig.find() }
        let settings = CoreSettingsScope(sources: sources, fallback: scope)
        let jinja = environment ?? Environment(options: Templating.playbookOptions)
        sources.renderDefault = { text in try jinja.compile(text, name: "default").renderValue(settings) }
        return sources
    }

    /// The option definitions of plugin `name` of `type`; an error as Ansible's when there is no such plugin.
    static func definitions(type: String, name written: String, scope: VariableScope?) throws -> [ConfigDefinition] {
        let name = written.hasPrefix("ansible.builtin.") ? String(written.dropFirst("ansible.builtin.".count)) : written
        if let builtin = AnsibleSettings.plugins[type]?[name] { return builtin }
        if !name.contains("."), let path = pluginFile(type: type, name: name, scope: scope) {
            return try documentedOptions(ofPluginAt: path)
        }
        throw LookupError("Unable to load \(type) plugin '\(written)'.")
    }

    /// `<type>_plugins/<name>.py` beside the role or the playbook, then in the configured lookup plugin folders
    /// (ANSIBLE_LOOKUP_PLUGINS), as Ansible's plugin loader finds it.
    private static func pluginFile(type: String, name: String, scope: VariableScope?) -> String? {
        var candidates = ["role_path", "playbook_dir"].compactMap { (try? scope?.value(named: $0))??.displayText }
            .map { "\($0)/\(type)_plugins/\(name).py" }
        if type == "lookup", let setting = AnsibleSettings.core["DEFAULT_LOOKUP_PLUGIN_PATH"],
           case .list(let folders)? = try? setting.resolve(from: sources(scope: scope, environment: nil),
                                                            label: setting.name).value {
            candidates += folders.map { "\($0.displayText)/\(name).py" }
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The `options` of the YAML in a Python plugin's `DOCUMENTATION = """..."""`.
    static func documentedOptions(ofPluginAt path: String) throws -> [ConfigDefinition] {
        guard let source = try? String(contentsOfFile: path, encoding: .utf8),
              let start = source.range(of: #"DOCUMENTATION\s*=\s*r?("""|''')"#, options: .regularExpression) else {
            throw LookupError("Unable to load the documentation of the plugin \(path)")
        }
        let quote = String(source[start].suffix(3))
        guard let end = source.range(of: quote, range: start.upperBound..<source.endIndex) else {
            throw LookupError("Unable to load the documentation of the plugin \(path): its DOCUMENTATION is not closed")
        }
        let yaml = String(source[start.upperBound..<end.lowerBound])
        guard let root = try YAMLDocument.parse(yaml, path: path).root, case .dict(let document) = YAMLDocument.value(of: root),
              case .dict(let options)? = document["options"] else { return [] }
        return options.compactMap { name, spec in
            guard case .dict(let spec) = spec else { return nil }
            func names(_ key: String, _ field: String = "name") -> [String] {
                (spec[key]?.listEntries ?? []).compactMap { entry in
                    guard case .dict(let entry) = entry else { return nil }
                    return entry[field]?.displayText
                }
            }
            var definition = ConfigDefinition(name: name)
            definition.kind = ConfigDefinition.Kind(documented: spec["type"]?.displayText)
            definition.defaultValue = spec["default"]
            definition.env = names("env")
            definition.vars = names("vars")
            definition.ini = (spec["ini"]?.listEntries ?? []).compactMap { entry -> (section: String, key: String)? in
                guard case .dict(let entry) = entry, let key = entry["key"] else { return nil }
                return (entry["section"]?.displayText ?? "defaults", key.displayText)
            }
            switch spec["choices"] {
            case .list(let choices)?: definition.choices = choices.map(\.displayText)
            case .dict(let choices)?: definition.choices = Array(choices.keys)
            default: break
            }
            definition.required = spec["required"]?.isTruthy ?? false
            return definition
        }
    }
}

/// The core settings by name, then the task's variables: what a templated default such as
/// `{{ ANSIBLE_HOME ~ "/tmp" }}` renders with.
private struct CoreSettingsScope: VariableScope {
    var sources: ConfigDefinition.Sources
    var fallback: VariableScope?

    func value(named name: String) throws -> Value? {
        if let definition = AnsibleSettings.core[name] { return try definition.resolve(from: sources, label: "'\(name)'").value }
        return try fallback?.value(named: name)
    }
}

extension ConfigDefinition.Kind {
    /// The kind a plugin's documentation names (`integer`, `boolean`, `str`, ...); unknown types are taken as raw.
    init(documented type: String?) {
        switch type?.lowercased() {
        case "int", "integer": self = .int
        case "bool", "boolean": self = .bool
        case "float": self = .float
        case "list": self = .list
        case "path", "tmppath", "tmp", "temppath": self = .path
        case "pathspec": self = .pathspec
        case "pathlist": self = .pathlist
        case "dict", "dictionary": self = .dict
        case "str", "string": self = .string
        default: self = .raw
        }
    }
}

extension Value {
    fileprivate var listEntries: [Value]? {
        if case .list(let items) = self { return items }
        return nil
    }
}
