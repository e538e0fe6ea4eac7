import Foundation
import Jinja
import OrderedCollections

/// A template file rendered as Ansible's template module writes it: includes from its own folder, lookups
/// beside it, and the file's trailing newlines kept (an include's last one is not). The template module, the
/// template lookup and `deckhand template` all render through here.
public enum TemplateFile {
    /// `source` (the contents of the file at `path`, its `#jinja2:` first line applied) rendered with `scope`.
    public static func render(_ source: String, path: String, scope: VariableScope) throws -> String {
        try render(source, path: path, settings: TemplateSettings()) { try $0.render(scope) }
    }

    /// `source` (the contents of the file at `path`, its `#jinja2:` first line applied) rendered with plain variables.
    public static func render(_ source: String, path: String, variables: [String: Value]) throws -> String {
        try render(source, path: path, settings: TemplateSettings()) { try $0.render(variables) }
    }

    /// Reads the file at `path` and renders it with `scope`, read with `settings` (the template module's
    /// overrides) and then those of a `#jinja2:` first line.
    /// The template sees Ansible's template_* variables about its file; `writtenAs` is the name the task gave.
    static func render(path: String, scope: VariableScope, settings: TemplateSettings = TemplateSettings(),
                       writtenAs: String? = nil) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModuleArgumentError("could not read \(path)")
        }
        let fileVariables = TemplateFileScope.variables(path: path, writtenAs: writtenAs ?? path)
        // A task's scope stays one (lookups such as varnames need it), the file's variables above its layers.
        let withFileVariables: VariableScope = (scope as? TemplatedScope)?
            .adding(OrderedDictionary(uniqueKeysWithValues: fileVariables.sorted { $0.key < $1.key }))
            ?? TemplateFileScope(file: fileVariables, base: scope)
        return try render(String(decoding: data, as: UTF8.self), path: path, settings: settings) { try $0.render(withFileVariables) }
    }

    /// `text` (the file at `path`) read with `settings` and then its `#jinja2:` first line, rendered by `body`,
    /// its lines ended with the settings' newline sequence.
    private static func render(_ text: String, path: String, settings: TemplateSettings,
                               with body: (Template) throws -> String) throws -> String {
        let (effective, source) = try settings.applyingHeader(of: text, path: path)
        let rendered = try render(source, path: path, options: effective.options(from: Templating.playbookOptions), with: body)
        return effective.newlineSequence == "\n" ? rendered : rendered.replacingOccurrences(of: "\n", with: effective.newlineSequence)
    }

    /// The file at `path` rendered with Ansible's native types, as the template lookup gives it: a lone
    /// `{{ expression }}` keeps its type, a template that renders nothing is None, text keeps its trailing newlines.
    static func renderValue(path: String, scope: VariableScope, settings: TemplateSettings) throws -> Value {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModuleArgumentError("could not read \(path)")
        }
        let (effective, source) = try settings.applyingHeader(of: String(decoding: data, as: UTF8.self), path: path)
        let folder = URL(fileURLWithPath: (path as NSString).deletingLastPathComponent)
        let environment = Environment(options: effective.options(from: Templating.playbookOptions),
                                      loader: FileTemplateLoader(folder: folder))
        Lookups.register(in: environment)
        let value = try environment.compile(source, name: path).renderValue(scope)
        guard case .string(let text) = value else { return value }
        return text.isEmpty ? .none : .string(TemplateRenderer.keepingTrailingNewlines(of: source, in: text))
    }

    private static func render(_ source: String, path: String, options: Options = Templating.playbookOptions,
                               with body: (Template) throws -> String) throws -> String {
        let folder = URL(fileURLWithPath: (path as NSString).deletingLastPathComponent)
        let environment = Environment(options: options, loader: FileTemplateLoader(folder: folder))
        Lookups.register(in: environment)
        let rendered = try body(environment.compile(source, name: path))
        return TemplateRenderer.keepingTrailingNewlines(of: source, in: rendered)
    }
}

/// A template file's own variables (Ansible's template_host, template_path, template_fullpath, template_uid,
/// template_mtime, template_run_date) over the task's.
struct TemplateFileScope: VariableScope {
    let file: [String: Value]
    let base: VariableScope

    func value(named name: String) throws -> Value? {
        if let own = file[name] { return own }
        return try base.value(named: name)
    }

    static func variables(path: String, writtenAs: String) -> [String: Value] {
        let attributes = (try? FileManager.default.attributesOfItem(atPath: path)) ?? [:]
        var variables: [String: Value] = [
            "template_host": .string(nodeName),
            "template_path": .string(writtenAs),
            "template_fullpath": .string(path),
            "template_run_date": .string(PythonTime.dateTime(Date())),
        ]
        if let modified = attributes[.modificationDate] as? Date { variables["template_mtime"] = .string(PythonTime.dateTime(modified)) }
        if let owner = attributes[.ownerAccountName] as? String {
            variables["template_uid"] = .string(owner)
        } else if let uid = attributes[.ownerAccountID] as? NSNumber {
            variables["template_uid"] = .int(uid.intValue)
        }
        return variables
    }

    /// The controller's node name (uname -n), as Ansible's template_host.
    static var nodeName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        return gethostname(&buffer, buffer.count) == 0 ? String(cString: buffer) : ""
    }
}
