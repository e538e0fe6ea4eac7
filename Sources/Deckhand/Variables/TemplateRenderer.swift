import Foundation
import Jinja
import OrderedCollections

/// Renders variable values and module arguments through the Jinja engine, caching compiled templates.
/// Safe to share between hosts and threads.
public final class TemplateRenderer: @unchecked Sendable {
    public let environment: Environment
    private let lock = NSLock()
    private var cache: [String: Template] = [:]

    public init(environment: Environment = Environment(options: .ansible)) {
        self.environment = environment
    }

    /// One renderer for callers that do not bring their own environment.
    public static let shared = TemplateRenderer()

    /// The placeholder `omit` holds (the Jinja engine's constant).
    public static let omitPlaceholder = Value.omitPlaceholder

    /// True when `text` needs rendering.
    public static func isTemplate(_ text: String) -> Bool {
        TemplateText.mayHoldTemplate(text)
    }

    /// `text` rendered with Ansible's native types (a lone `{{ expr }}` keeps its type); plain text as is.
    public func render(_ text: String, _ scope: VariableScope) throws -> Value {
        guard TemplateRenderer.isTemplate(text) else { return .string(text) }
        let value = try compiled(text).renderValue(scope)
        // Jinja drops the last newline, so `"{{ x }}\n"` is a lone expression: its value keeps its type (a list
        // stays a list, 8000 stays a number, as ansible-core 2.19+ gives), and only text gets the newlines back.
        guard text.last == "\n", case .string(let rendered) = value else { return value }
        return .string(TemplateRenderer.keepingTrailingNewlines(of: text, in: rendered))
    }

    /// Ansible's templar: Jinja drops a template's last newline, then as many newlines are added back as
    /// `source` ends with and `rendered` lacks. So `"{{ x }}\n"` with x = "b\n" is "b\n", and an included
    /// template's last newline stays dropped.
    public static func keepingTrailingNewlines(of source: String, in rendered: String) -> String {
        func trailingNewlines(_ text: String) -> Int { text.reversed().prefix { $0 == "\n" }.count }
        let missing = trailingNewlines(source) - trailingNewlines(rendered)
        return missing > 0 ? rendered + String(repeating: "\n", count: missing) : rendered
    }

    /// Every string inside `value` rendered (dict keys too).
    public func renderDeep(_ value: Value, _ scope: VariableScope) throws -> Value {
        switch value {
        case .string(let text):
            return try render(text, scope)
        case .list(let items):
            return .list(try items.map { try renderDeep($0, scope) })
        case .dict(let dict):
            var rendered = OrderedDictionary<String, Value>()
            for (key, item) in dict {
                let renderedKey = TemplateRenderer.isTemplate(key) ? try compiled(key).render(scope) : key
                rendered[renderedKey] = try renderDeep(item, scope)
            }
            return .dict(rendered)
        case .undefined(let undefined):
            // Written in the YAML itself (an undecryptable !vault value): using it is the error.
            throw TemplateError(.undefined, undefined.message, templateName: "value", line: 1)
        default:
            return value
        }
    }

    /// Module arguments ready for a module: every string rendered with native types, and every dict entry
    /// (or list item) whose value rendered to `omit` dropped.
    public func templateArguments(_ arguments: Value, _ scope: VariableScope) throws -> Value {
        TemplateRenderer.removingOmitted(try renderDeep(arguments, scope)) ?? .dict([:])
    }

    static func isOmitted(_ value: Value) -> Bool {
        if case .string(let text) = value { return text == omitPlaceholder }
        return false
    }

    /// `value` without omitted entries; nil when `value` itself is omitted.
    static func removingOmitted(_ value: Value) -> Value? {
        switch value {
        case .string(let text) where text == omitPlaceholder:
            return nil
        case .list(let items):
            return .list(items.compactMap(removingOmitted))
        case .dict(let dict):
            var kept = OrderedDictionary<String, Value>()
            for (key, item) in dict {
                if let item = removingOmitted(item) { kept[key] = item }
            }
            return .dict(kept)
        default:
            return value
        }
    }

    private func compiled(_ text: String) throws -> Template {
        if let template = lock.withLock({ cache[text] }) { return template }
        let template = try environment.compile(text, name: text.count > 60 ? String(text.prefix(57)) + "..." : text)
        lock.withLock { cache[text] = template }
        return template
    }
}

/// Renders module arguments for a module: strings templated with native types, `omit`-ted keys dropped.
public func templateArguments(_ arguments: Value, _ scope: VariableScope,
                              renderer: TemplateRenderer = .shared) throws -> Value {
    try renderer.templateArguments(arguments, scope)
}
