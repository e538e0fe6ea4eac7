/// The filters that are plain functions of their input (no engine state): Jinja2's built-ins and Ansible's.
/// The engine's own filters (default, map, select, sort, ...) live with the engine.
public enum PureFilters {
    public static let all: [String: Filter] = {
        var table: [String: Filter] = [:]
        for (name, body) in TextFilters.table { table[name] = strict(name, body) }
        for (name, body) in NumberFilters.table { table[name] = strict(name, body) }
        for (name, body) in CollectionFilters.table { table[name] = strict(name, body) }
        for (name, body) in DataFormatFilters.table { table[name] = strict(name, body) }
        for (name, body) in AnsibleFilters.table { table[name] = strict(name, body) }
        for (name, body) in AnsibleTextFilters.table { table[name] = strict(name, body) }
        for (name, body) in DigestFilters.table { table[name] = strict(name, body) }
        for (name, body) in PasswordHashFilter.table { table[name] = strict(name, body) }
        for (name, body) in URLFilters.table { table[name] = strict(name, body) }
        for (name, body) in PathFilters.table { table[name] = strict(name, body) }
        for (name, body) in AnsibleCoreFilters.table { table[name] = strict(name, body) }
        return table
    }()

    typealias Body = @Sendable (Value, FilterArguments) throws -> Value

    /// Ansible's undefined errors on use: an undefined input or argument reaching a pure filter is an error.
    private static func strict(_ name: String, _ body: @escaping Body) -> Filter {
        return { value, args, kwargs in
            if case .undefined(let u) = value { throw TemplateError.undefinedError(u) }
            for arg in args { if case .undefined(let u) = arg { throw TemplateError.undefinedError(u) } }
            for arg in kwargs.values { if case .undefined(let u) = arg { throw TemplateError.undefinedError(u) } }
            return try body(value, FilterArguments(name, args, kwargs))
        }
    }
}
