import Foundation
import Jinja
import OrderedCollections

/// A template file rendered as Ansible's template module writes it: includes from its own folder, lookups
/// beside it, and the file's trailing newlines kept (an include's last one is not). The template module, the
/// template lookup and `deckhand template` all render through here.
public enum TemplateFile {
    /// `source` (the contents of the file at `path`) rendered with `scope`.
    public static func render(_ source: String, path: String, scope: VariableScope) throws -> String {
        try render(source, path: path) { try $0.render(scope) }
    }

    /// `source` (the contents of the file at `path`) rendered with plain variables.
    public static func render(_ source: String, path: String, variables: [String: Value]) throws -> String {
        try render(source, path: path) { try $0.render(variables) }
    }

    /// Reads the file at `path` and renders it with `scope`, read with `settings` (the template module's
    /// overrides) and then those of a `#jinja2:` first line.
    static func render(path: String, scope: VariableScope, settings: TemplateSettings = TemplateSettings()) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModuleArgumentError("could not read \(path)")
        }
        let (effective, source) = try settings.applyingHeader(of: String(decoding: data, as: UTF8.self), path: path)
        let rendered = try render(source, path: path, options: effective.options(from: Templating.playbookOptions)) { try $0.render(scope) }
        return effective.newlineSequence == "\n" ? rendered : rendered.replacingOccurrences(of: "\n", with: effective.newlineSequence)
    }

    /// What Ansible's template action defines for the template it renders: template_path (as the task names
    /// it), template_fullpath, template_destpath, template_host and template_uid (the operator's machine and
    /// user), template_run_date.
    static func templateVariables(name: String, path: String, destination: String?) -> OrderedDictionary<String, Value> {
        var variables: OrderedDictionary<String, Value> = ["template_path": .string(name), "template_fullpath": .string(path)]
        if let destination { variables["template_destpath"] = .string(destination) }
        variables["template_host"] = .string(ProcessInfo.processInfo.hostName)
        variables["template_uid"] = .string(getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSSSSS"
        variables["template_run_date"] = .string(formatter.string(from: Date()))
        return variables
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
