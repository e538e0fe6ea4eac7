import Foundation
import Jinja
import OrderedCollections

/// The variables one task sees on one host, in Ansible's precedence, templated lazily when read.
public final class HostScope: VariableScope, @unchecked Sendable {
    /// Variable layers, lowest precedence first.
    private let layers: [OrderedDictionary<String, Value>]
    private let magic: @Sendable (String) -> Value?
    private let templating: Templating
    private let lock = NSLock()
    private var resolving: Set<String> = []
    private var resolved: [String: Value] = [:]

    init(layers: [OrderedDictionary<String, Value>], templating: Templating, magic: @escaping @Sendable (String) -> Value?) {
        self.layers = layers
        self.templating = templating
        self.magic = magic
    }

    /// A scope with `extra` on top (loop variables, include parameters, the registered result).
    func adding(_ extra: OrderedDictionary<String, Value>, belowTop: Bool = true) -> HostScope {
        var layers = self.layers
        // The top layer is extra vars; keep them on top.
        if belowTop, !layers.isEmpty {
            layers.insert(extra, at: layers.count - 1)
        } else {
            layers.append(extra)
        }
        return HostScope(layers: layers, templating: templating, magic: magic)
    }

    public func value(named name: String) throws -> Value? {
        if let cached = lock.withLock({ resolved[name] }) { return cached }
        var raw: Value?
        for layer in layers.reversed() {
            if let value = layer[name] { raw = value; break }
        }
        if raw == nil { raw = magic(name) }
        guard let raw else { return nil }
        let inserted = lock.withLock { resolving.insert(name).inserted }
        guard inserted else {
            throw TemplateError(.runtime, "recursive loop detected in template for variable '\(name)'",
                                templateName: name, line: 0)
        }
        defer { _ = lock.withLock { resolving.remove(name) } }
        let value = try templating.renderDeep(raw, self)
        lock.withLock { resolved[name] = value }
        return value
    }

    /// Every variable name visible (for hostvars), lowest layer first.
    var allNames: [String] {
        var names = OrderedSet<String>()
        for layer in layers { for key in layer.keys { names.append(key) } }
        return Array(names)
    }
}
