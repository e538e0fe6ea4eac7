import Foundation
import Jinja
import OrderedCollections

/// The `VariableScope` a task renders with on one host: magic variables, then the layered variables in
/// Ansible's precedence. Templates the user wrote are rendered when read (lazily), recursively, with loop
/// detection; data (magic variables, loop items, registered results, facts, anything a template rendered to)
/// is returned as it is, never rendered.
public final class TemplatedScope: VariableScope, @unchecked Sendable {
    public let layers: VariableLayers
    /// Magic variables (inventory_hostname, groups, hostvars…); they cannot be overridden.
    public let magic: OrderedDictionary<String, Value>
    /// Loop variables and the like, above every layer: data (loop items are what a loop rendered to).
    public let overrides: OrderedDictionary<String, Value>
    /// Register projections (`register: {name: expression}`) while their task runs: each an expression evaluated
    /// when read, over this scope (so over its `_task` and loop item), above the layers.
    public let projections: OrderedDictionary<String, String>
    public let renderer: TemplateRenderer

    private let lock = NSLock()
    private var rendered: [String: Value] = [:]
    /// What templates rendered to, by name, in this scope and every scope `adding` made from it (loop items).
    private let renderings: RenderedValues
    /// Names being rendered, per thread (a render never suspends, so one thread holds it start to end).
    private var inProgress: [UInt: Set<String>] = [:]

    public convenience init(layers: VariableLayers, magic: OrderedDictionary<String, Value> = [:],
                            overrides: OrderedDictionary<String, Value> = [:], renderer: TemplateRenderer = .shared) {
        self.init(layers: layers, magic: magic, overrides: overrides, projections: [:], renderer: renderer,
                  renderings: RenderedValues())
    }

    private init(layers: VariableLayers, magic: OrderedDictionary<String, Value>, overrides: OrderedDictionary<String, Value>,
                 projections: OrderedDictionary<String, String>, renderer: TemplateRenderer, renderings: RenderedValues) {
        self.layers = layers
        self.magic = magic
        self.overrides = overrides
        self.projections = projections
        self.renderer = renderer
        self.renderings = renderings
    }

    /// This scope with `vars` above every layer (loop item, index_var, ansible_loop).
    public func adding(_ vars: OrderedDictionary<String, Value>) -> TemplatedScope {
        var overrides = self.overrides
        for (key, value) in vars { overrides[key] = value }
        return TemplatedScope(layers: layers, magic: magic, overrides: overrides, projections: projections,
                              renderer: renderer, renderings: renderings)
    }

    /// This scope with `expressions` as lazily evaluated variables (register projections), above the layers.
    public func projecting(_ expressions: OrderedDictionary<String, String>) -> TemplatedScope {
        var projections = self.projections
        for (name, expression) in expressions { projections[name] = expression }
        return TemplatedScope(layers: layers, magic: magic, overrides: overrides, projections: projections,
                              renderer: renderer, renderings: renderings)
    }

    /// The values `name` had for this task without rendering anything new: a plain value or data as it is, or
    /// what its template rendered to here or in a loop item's scope. (Rendering it only to learn it could run
    /// a lookup the task never asked for.)
    public func knownValues(named name: String) -> [Value] {
        if let value = magic[name] ?? overrides[name] { return [value] }
        guard let (raw, isTemplate) = layers.variable(named: name) else { return [] }
        guard isTemplate, raw.containsTemplate else { return [raw] }
        return renderings.values(named: name)
    }

    /// The value before templating.
    public func rawValue(named name: String) -> Value? {
        magic[name] ?? overrides[name] ?? layers.value(named: name)
    }

    public func value(named name: String) throws -> Value? {
        // Magic values are returned as they are: `hostvars` holds other hosts' variables, which must not be
        // rendered with this host's scope (an undefined name there would fail every lookup of hostvars).
        if let value = magic[name] { return value }
        if let value = overrides[name] { return value }
        if let cached = lock.withLock({ rendered[name] }) { return cached }
        if let expression = projections[name] {
            return try rendering(name, source: expression) {
                try renderer.environment.compileExpression(expression, name: name).evaluate(self)
            }
        }
        guard let (raw, isTemplate) = layers.variable(named: name) else { return nil }
        guard isTemplate, raw.containsTemplate else { return raw }
        let value = try rendering(name, source: raw.templateText) { try renderer.renderDeep(raw, self) }
        renderings.record(value, named: name)
        return value
    }

    /// `render()` as the value of `name`, once per scope; reading `name` again while it renders is a loop.
    private func rendering(_ name: String, source: String, _ render: () throws -> Value) throws -> Value {
        let thread = UInt(bitPattern: Int(bitPattern: pthread_self()))
        let entered = lock.withLock { inProgress[thread, default: []].insert(name).inserted }
        guard entered else {
            throw TemplateError(.runtime, "recursive loop detected in template string: \(source)",
                                templateName: name, line: 0)
        }
        defer {
            lock.withLock {
                inProgress[thread]?.remove(name)
                if inProgress[thread]?.isEmpty == true { inProgress[thread] = nil }
            }
        }
        let value = try render()
        lock.withLock { rendered[name] = value }
        return value
    }
}

/// What variables' templates rendered to, shared by a scope and the scopes made from it.
private final class RenderedValues: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: [Value]] = [:]

    func record(_ value: Value, named name: String) {
        lock.withLock { if !(values[name]?.contains(value) ?? false) { values[name, default: []].append(value) } }
    }

    func values(named name: String) -> [Value] { lock.withLock { values[name] ?? [] } }
}

extension Value {
    /// True when a string anywhere inside holds template syntax.
    var containsTemplate: Bool {
        switch self {
        case .string(let text): return TemplateRenderer.isTemplate(text)
        case .list(let items): return items.contains { $0.containsTemplate }
        case .dict(let dict): return dict.values.contains { $0.containsTemplate }
        default: return false
        }
    }

    /// The first template string inside, for error messages.
    var templateText: String {
        switch self {
        case .string(let text): return text
        case .list(let items): return items.first { $0.containsTemplate }?.templateText ?? ""
        case .dict(let dict): return dict.values.first { $0.containsTemplate }?.templateText ?? ""
        default: return ""
        }
    }
}
