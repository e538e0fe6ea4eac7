import Foundation
import Jinja

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

    /// Reads the file at `path` and renders it with `scope`.
    static func render(path: String, scope: VariableScope) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModuleArgumentError("could not read \(path)")
        }
        return try render(String(decoding: data, as: UTF8.self), path: path, scope: scope)
    }

    private static func render(_ source: String, path: String, with body: (Template) throws -> String) throws -> String {
        let folder = URL(fileURLWithPath: (path as NSString).deletingLastPathComponent)
        let environment = Environment(options: Templating.playbookOptions, loader: FileTemplateLoader(folder: folder))
        Lookups.register(in: environment)
        let rendered = try body(environment.compile(source, name: path))
        return TemplateRenderer.keepingTrailingNewlines(of: source, in: rendered)
    }
}
