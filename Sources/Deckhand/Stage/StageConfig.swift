import Foundation
import Jinja
import OrderedCollections
import Yams

/// deckhand.yml: the stages of the user's operations folder, read and checked in one pass.
///
///     defaults:              # optional: settings every stage shares (a stage's own win)
///       user: deploy
///     stages:
///       production:
///         host: web1.example.com
///         domain: example.com
///         repo: git@github.com:example/app.git
///         vars: {database_url: "postgres://..."}
///         notify: {webhooks: [https://hooks.example.com/deploys], command: ./announce.sh}
public struct StageConfig: Sendable {
    /// The file's name in an operations folder.
    public static let fileName = "deckhand.yml"

    public var path: String
    public var stages: OrderedDictionary<String, Stage>
    /// Where `stages:` is written (an unknown stage is reported there).
    var stagesLocation: SourceLocation?

    /// The folder holding the file (a `playbooks/` beside it overrides the built-in ones).
    public var directory: String { (path as NSString).deletingLastPathComponent }

    /// The settings a stage (or `defaults:`) may have, and the playbook variable each one sets.
    static let settings: OrderedDictionary<String, String> = [
        "host": "ansible_host",
        "port": "ansible_port",
        "user": "ansible_user",
        "become": "ansible_become",
        "domain": "domain",
        "repo": "app_repo_url",
        "ref": "app_repo_ref",
        "app_user": "app_user",
        "workers": "gunicorn_workers",
        "backup_keep_count": "backup_keep_count",
        "backup_keep_days": "backup_keep_days",
        "certbot_email": "certbot_email",
        "certbot_server": "certbot_server",
    ]
    /// A stage needs these (from itself or `defaults:`).
    static let required = ["host", "domain"]
    static let topLevelKeys = ["defaults", "stages"]
    static let integerSettings: Set<String> = ["port", "workers", "backup_keep_count", "backup_keep_days"]

    /// Reads and checks `path`; every mistake is reported at once as `ValidationErrors` (file:line: what, and
    /// what to do).
    public static func load(path: String) throws -> StageConfig {
        let document: YAMLDocument
        do {
            document = try YAMLDocument.load(path: path)
        } catch let error as ValidationError {
            throw ValidationErrors([error])
        }
        return try read(document)
    }

    /// Parses `text` as if it were the file `path` (tests, `-` from stdin).
    public static func parse(_ text: String, path: String) throws -> StageConfig {
        let document: YAMLDocument
        do {
            document = try YAMLDocument.parse(text, path: path)
        } catch let error as ValidationError {
            throw ValidationErrors([error])
        }
        return try read(document)
    }

    /// The nearest deckhand.yml in `directory` or a folder above it, as git finds its repository.
    public static func find(from directory: String) -> String? {
        var folder = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            let candidate = folder.appendingPathComponent(fileName).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return nil }
            folder = parent
        }
    }

    /// The stage named `name`, or an error listing the stages there are (with a "did you mean").
    public func stage(_ name: String) throws -> Stage {
        if let stage = stages[name] { return stage }
        let known = stages.keys.joined(separator: ", ")
        let error = ValidationError(
            stages.isEmpty ? "no stage '\(name)': the file names no stages (add one under 'stages:')"
                : "no stage '\(name)' (the stages are: \(known); add it under 'stages:' or pick one of them)",
            at: stagesLocation ?? .synthetic(path), offendingText: name,
            suggestion: Suggestion.nearest(name, in: Array(stages.keys)))
        throw ValidationErrors([error])
    }

    // MARK: Reading

    private static func read(_ document: YAMLDocument) throws -> StageConfig {
        let errors = ErrorCollector()
        let reader = NodeReader(document: document, errors: errors)
        var config = StageConfig(path: document.path, stages: [:], stagesLocation: nil)
        guard let root = document.root, case .mapping = root else {
            errors.add(ValidationError(
                "deckhand.yml must be a mapping with 'stages:' (run 'deckhand init' for a commented example)",
                at: document.root.map(document.location(of:)) ?? SourceLocation(file: document.path, line: 1, column: 1)))
            throw ValidationErrors(errors.errors)
        }
        var defaults: OrderedDictionary<String, Value> = [:]
        var defaultsNode: Node?
        var stagesNode: Node?
        for (key, keyNode, value) in reader.entries(root) {
            switch key {
            case "defaults": defaultsNode = value
            case "stages":
                stagesNode = value
                config.stagesLocation = reader.location(keyNode)
            default:
                reader.fail("unknown top-level key '\(key)' (deckhand.yml has: \(topLevelKeys.joined(separator: ", ")))",
                            at: keyNode, text: key, suggestion: Suggestion.nearest(key, in: topLevelKeys))
            }
        }
        if let defaultsNode {
            defaults = settings(of: defaultsNode, what: "defaults", reader: reader)
        }
        guard let stagesNode else {
            reader.fail("no 'stages:' mapping: name at least one stage, e.g. 'stages: {test: {host: ..., domain: ...}}'",
                        at: root, text: nil)
            throw ValidationErrors(errors.errors)
        }
        guard case .mapping = stagesNode else {
            reader.fail("'stages' must map stage names to their settings", at: stagesNode)
            throw ValidationErrors(errors.errors)
        }
        for (name, keyNode, value) in reader.entries(stagesNode) {
            guard isValidStageName(name) else {
                reader.fail("stage name '\(name)' must be letters, digits, '-', '_' or '.'", at: keyNode, text: name)
                continue
            }
            var variables = defaults
            for (key, setting) in settings(of: value, what: "stage '\(name)'", reader: reader) {
                if key == "vars", case .dict(let own) = setting, case .dict(var merged)? = variables["vars"] {
                    for (name, value) in own { merged[name] = value }
                    variables["vars"] = .dict(merged)
                } else {
                    variables[key] = setting
                }
            }
            for needed in required where variables[needed] == nil {
                reader.fail("stage '\(name)' has no '\(needed)' (set it in the stage or under 'defaults:')",
                            at: keyNode, text: name)
            }
            config.stages[name] = Stage(name: name, location: reader.location(keyNode),
                                        variables: playbookVariables(variables),
                                        notify: notifySettings(variables["notify"], directory: config.directory))
        }
        if config.stages.isEmpty && errors.errors.isEmpty {
            reader.fail("'stages' is empty: name at least one stage", at: stagesNode, text: nil)
        }
        if !errors.errors.isEmpty { throw ValidationErrors(errors.errors) }
        return config
    }

    /// A stage's (or `defaults:`') settings as written, checked: known keys, the right shapes.
    private static func settings(of node: Node, what: String, reader: NodeReader) -> OrderedDictionary<String, Value> {
        guard case .mapping = node else {
            reader.fail("\(what) must be a mapping of settings (host, domain, ...)", at: node)
            return [:]
        }
        let known = Array(settings.keys) + ["vars", "notify"]
        var result: OrderedDictionary<String, Value> = [:]
        for (key, keyNode, valueNode) in reader.entries(node) {
            let value = reader.value(valueNode)
            if key == "vars" {
                guard case .dict = value else {
                    reader.fail("'vars' of \(what) must be a mapping of variable names to values", at: valueNode, text: "vars")
                    continue
                }
                result[key] = value
                continue
            }
            if key == "notify" {
                if let notify = notifyValue(of: valueNode, what: what, reader: reader) { result[key] = notify }
                continue
            }
            guard settings[key] != nil else {
                reader.fail("unknown setting '\(key)' in \(what) (put playbook variables under 'vars:', notifications under 'notify:')", at: keyNode,
                            text: key, suggestion: Suggestion.nearest(key, in: known))
                continue
            }
            switch value {
            case .dict, .list:
                reader.fail("'\(key)' of \(what) must be a single value", at: valueNode, text: key)
                continue
            case .none:
                reader.fail("'\(key)' of \(what) is empty: give a value or remove the line", at: keyNode, text: key)
                continue
            default:
                break
            }
            if integerSettings.contains(key) {
                guard case .int(let number) = value, number >= (key == "port" ? 1 : 0) else {
                    reader.fail("'\(key)' of \(what) must be a whole number\(key == "port" ? " (1-65535)" : ""), not '\(reader.value(valueNode).displayText)'",
                                at: valueNode)
                    continue
                }
                if key == "port" && number > 65535 {
                    reader.fail("'port' of \(what) must be 1-65535, not \(number)", at: valueNode)
                    continue
                }
            }
            if key == "become", case .bool = value {} else if key == "become" {
                reader.fail("'become' of \(what) must be true or false", at: valueNode)
                continue
            }
            // The domain names folders, nginx files and certificates and reaches shells and pages: a host name only.
            if key == "domain", case .string(let domain) = value, !isHostName(domain) {
                reader.fail("'domain' of \(what) must be a host name (letters, digits and '-' in labels joined by "
                            + "dots, e.g. example.com), not '\(domain)'", at: valueNode)
            }
            result[key] = value
        }
        return result
    }

    /// Settings renamed to the playbooks' variables, then `vars:` on top.
    private static func playbookVariables(_ settings: OrderedDictionary<String, Value>) -> OrderedDictionary<String, Value> {
        var variables: OrderedDictionary<String, Value> = [:]
        for (key, value) in settings where key != "vars" {
            if let name = self.settings[key] { variables[name] = value }
        }
        if case .dict(let free)? = settings["vars"] {
            for (key, value) in free { variables[key] = value }
        }
        return variables
    }

    /// RFC 1123: dot-separated labels of letters, digits and inner '-', 1-63 characters each, 253 in all.
    static func isHostName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }
        }
    }

    private static func isValidStageName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" || $0 == "."
        }
    }
}
