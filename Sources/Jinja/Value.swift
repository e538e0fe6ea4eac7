import OrderedCollections

/// A value as templates see it: Python's data model, reduced to what YAML, JSON and Jinja produce.
public enum Value: Sendable, Hashable {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([Value])
    case dict(OrderedDictionary<String, Value>)
}
