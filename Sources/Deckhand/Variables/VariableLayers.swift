import Jinja
import OrderedCollections

/// The variables one host sees at one task, kept per source so Ansible's precedence decides each lookup.
/// Each variable is either a template the user wrote (playbooks, inventory, vars files, `-e`), rendered when
/// read, or data (what a host said, what a template rendered to, a verb's option), never rendered: Ansible's
/// trust model, so text a host prints cannot run a lookup on the controller.
public struct VariableLayers: Sendable {
    /// The supported sources, lowest precedence first, as Ansible documents them ("Understanding variable
    /// precedence"): role defaults < inventory (group_vars all → parent → child, then host_vars) < facts <
    /// play vars < vars_prompt < vars_files < role vars < block vars < task vars < include_vars <
    /// set_fact/registered < role params < include params < extra vars. Below them all, what Ansible's play
    /// context fills in for a task when no variable names it (ansible_host, ansible_connection, ansible_managed).
    public enum Source: Int, Sendable, CaseIterable, Comparable {
        case playContext
        case roleDefaults
        case inventory
        case facts
        case playVars
        case varsPrompt
        case varsFiles
        case roleVars
        case blockVars
        case taskVars
        case includeVars
        case setFacts
        case roleParams
        case includeParams
        case extraVars

        public static func < (lhs: Source, rhs: Source) -> Bool { lhs.rawValue < rhs.rawValue }

        /// Gathered facts are what a host said: data whatever the caller says.
        var holdsOnlyData: Bool { self == .facts }
    }

    private var layers: [OrderedDictionary<String, Value>] = Array(repeating: [:], count: Source.allCases.count)
    /// Per source, the names whose values are data.
    private var dataNames: [Set<String>] = Array(repeating: [], count: Source.allCases.count)

    public init() {}

    /// Replaces the variables of `source`; the names in `data` hold data, the others templates.
    public mutating func set(_ source: Source, _ vars: OrderedDictionary<String, Value>, data: Set<String> = []) {
        layers[source.rawValue] = vars
        dataNames[source.rawValue] = data
    }

    /// Adds (overriding same names) to the variables of `source`; the names in `data` hold data.
    public mutating func merge(_ source: Source, _ vars: OrderedDictionary<String, Value>, data: Set<String> = []) {
        for (key, value) in vars {
            layers[source.rawValue][key] = value
            if data.contains(key) { dataNames[source.rawValue].insert(key) } else { dataNames[source.rawValue].remove(key) }
        }
    }

    public subscript(source: Source) -> OrderedDictionary<String, Value> {
        layers[source.rawValue]
    }

    /// The raw (not yet templated) value of `name` from the highest source defining it.
    public func value(named name: String) -> Value? {
        for layer in layers.reversed() {
            if let value = layer[name] { return value }
        }
        return nil
    }

    /// The value of `name` from the highest source defining it, and whether it is a template the user wrote.
    public func variable(named name: String) -> (value: Value, isTemplate: Bool)? {
        for source in Source.allCases.reversed() {
            guard let value = layers[source.rawValue][name] else { continue }
            return (value, !source.holdsOnlyData && !dataNames[source.rawValue].contains(name))
        }
        return nil
    }

    /// Which source `name` comes from (for `-vvv` and tests).
    public func source(of name: String) -> Source? {
        for source in Source.allCases.reversed() where layers[source.rawValue][name] != nil { return source }
        return nil
    }

    /// All variables flattened, higher sources winning, in first-defined order.
    public var merged: OrderedDictionary<String, Value> {
        var result = OrderedDictionary<String, Value>()
        for layer in layers {
            for (key, value) in layer { result[key] = value }
        }
        return result
    }
}
