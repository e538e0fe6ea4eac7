import Jinja
import OrderedCollections

/// Ansible's lookups that only reshape their terms (no file, no command): `q('list', ...)`, `items`,
/// `indexed_items`, `dict`, `together`, `nested`, `random_choice`, as `lookup()`/`query()` call them.
enum DataLookups {
    static let names = ["dict", "indexed_items", "items", "list", "nested", "random_choice", "together"]

    /// The plugin's results, or nil when `name` is not one of these.
    static func query(_ name: String, terms: [Value]) throws -> [Value]? {
        switch name {
        case "list":
            return terms
        case "items":
            return terms.flatMap { term -> [Value] in
                if case .list(let inner) = term { return inner }
                return [term]
            }
        case "indexed_items":
            return terms.enumerated().map { .list([.int($0.offset), $0.element]) }
        case "dict":
            return try terms.flatMap { term -> [Value] in
                guard case .dict(let dict) = term else {
                    throw LookupError("the dict lookup plugin expects a dictionary, got \(term.typeName)")
                }
                return dict.map { .dict(["key": .string($0.key), "value": $0.value]) }
            }
        case "together":
            let lists = terms.map(items)
            let count = lists.map(\.count).max() ?? 0
            return (0..<count).map { index in .list(lists.map { index < $0.count ? $0[index] : .none }) }
        case "nested":
            var product: [[Value]] = [[]]
            for list in terms.map(items) { product = product.flatMap { prefix in list.map { prefix + [$0] } } }
            return product.map(Value.list)
        case "random_choice":
            return terms.randomElement().map { [$0] } ?? []
        default:
            return nil
        }
    }

    private static func items(_ value: Value) -> [Value] {
        if case .list(let items) = value { return items }
        return [value]
    }
}
