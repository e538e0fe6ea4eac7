import Foundation
import Jinja
import OrderedCollections

/// Renders the run's templates and expressions with one Jinja environment, caching what it compiled.
public final class Templating: @unchecked Sendable {
    public let environment: Environment
    private let lock = NSLock()
    private var templates: [String: Template] = [:]
    private var expressions: [String: Jinja.Expression] = [:]

    public init(environment: Environment = Environment(options: .ansible)) {
        self.environment = environment
    }

    /// What `{{ omit }}` renders to; arguments holding it are dropped (the Jinja engine's value).
    static let omitPlaceholder = "__omit_place_holder__deckhand"

    /// True when `text` holds template syntax and so needs rendering.
    static func isTemplate(_ text: String) -> Bool {
        text.contains("{{") || text.contains("{%") || text.contains("{#")
    }

    /// Renders `text` to a native value (a lone `{{ x }}` keeps x's type); plain text is returned as is.
    public func render(_ text: String, _ scope: VariableScope, name: String = "<value>") throws -> Value {
        guard Templating.isTemplate(text) else { return .string(text) }
        let template = try compiled(text, name: name)
        return try template.renderValue(scope)
    }

    /// Renders `text` to a string.
    public func renderText(_ text: String, _ scope: VariableScope, name: String = "<value>") throws -> String {
        guard Templating.isTemplate(text) else { return text }
        return try compiled(text, name: name).render(scope)
    }

    /// Every string inside `value` rendered, recursively; keys too, as Ansible does.
    public func renderDeep(_ value: Value, _ scope: VariableScope) throws -> Value {
        switch value {
        case .string(let text): return try render(text, scope)
        case .list(let items): return .list(try items.map { try renderDeep($0, scope) })
        case .dict(let dict):
            var out = OrderedDictionary<String, Value>()
            for (key, item) in dict { out[try renderText(key, scope)] = try renderDeep(item, scope) }
            return .dict(out)
        default: return value
        }
    }

    /// Evaluates a bare expression (`when:`, `that:`); `{{ }}` around it is tolerated, as Ansible does.
    public func evaluate(_ source: String, _ scope: VariableScope) throws -> Value {
        var text = source.trimmed
        if text.hasPrefix("{{"), text.hasSuffix("}}"), !text.dropFirst(2).contains("{{") {
            text = String(text.dropFirst(2).dropLast(2)).trimmed
        }
        let expression: Jinja.Expression
        if let cached = lock.withLock({ expressions[text] }) {
            expression = cached
        } else {
            expression = try environment.compileExpression(text, name: text)
            lock.withLock { expressions[text] = expression }
        }
        return try expression.evaluate(scope)
    }

    /// Evaluates a condition (`when`, `changed_when`, `failed_when`): a bool literal or an expression.
    public func condition(_ source: String, _ scope: VariableScope) throws -> Bool {
        switch source.trimmed.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: return try evaluate(source, scope).isTrue
        }
    }

    private func compiled(_ text: String, name: String) throws -> Template {
        if let cached = lock.withLock({ templates[text] }) { return cached }
        let template = try environment.compile(text, name: name)
        lock.withLock { templates[text] = template }
        return template
    }
}
