import Foundation
import Jinja
import OrderedCollections

/// The run's expressions (`when`, `changed_when`, `that`, debug's `var`), compiled once each (Conditional.swift
/// evaluates conditions); values and arguments render through the shared `TemplateRenderer`.
public final class Templating: @unchecked Sendable {
    public let renderer: TemplateRenderer
    private let lock = NSLock()
    private var expressions: [String: Jinja.Expression] = [:]

    /// How Ansible's templar reads templates and values: Jinja's own newline handling (the last newline of
    /// a template is dropped, then put back by `TemplateRenderer.keepingTrailingNewlines`), and undefined
    /// values that chain (`missing.attr | default(x)`) as AnsibleUndefined does. The template module and
    /// `deckhand template` use it too.
    public static let playbookOptions = Options(trimBlocks: true, lstripBlocks: false, keepTrailingNewline: false,
                                                chainsUndefined: true)

    public init(renderer: TemplateRenderer = TemplateRenderer(environment: Environment(options: Templating.playbookOptions))) {
        self.renderer = renderer
        Lookups.register(in: renderer.environment)
        Templating.registerTrustTest(in: renderer.environment)
    }

    public var environment: Environment { renderer.environment }

    public func render(_ text: String, _ scope: VariableScope) throws -> Value {
        try renderer.render(text, scope)
    }

    public func renderDeep(_ value: Value, _ scope: VariableScope) throws -> Value {
        try renderer.renderDeep(value, scope)
    }

    /// `text` rendered to a string (a lone `{{ x }}` printed as text).
    public func renderText(_ text: String, _ scope: VariableScope) throws -> String {
        guard TemplateRenderer.isTemplate(text) else { return text }
        return try renderer.render(text, scope).displayText
    }

    /// Evaluates a bare expression; `{{ }}` around it is tolerated, as Ansible does.
    public func evaluate(_ source: String, _ scope: VariableScope, renderingConstantTemplates: Bool = false) throws -> Value {
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
        return try expression.evaluate(scope, renderingConstantTemplates: renderingConstantTemplates)
    }
}
