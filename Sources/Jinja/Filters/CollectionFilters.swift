/// Jinja2's filters over sequences and mappings: length, first, last, reverse, list, items, batch; Ansible's zip.
enum CollectionFilters {
    static let table: [String: PureFilters.Body] = [
        "length": length,
        "count": length,
        "first": first,
        "last": last,
        "reverse": reverse,
        "list": { v, _ in .list(try v.pythonIterated("list")) },
        "items": items,
        "batch": batch,
        "zip": { v, args in try zip(v, args, longest: false) },
        "zip_longest": { v, args in try zip(v, args, longest: true) },
    ]

    /// Ansible's `zip` / `zip_longest(fillvalue=)`: the input and each argument side by side, as a list of tuples.
    static func zip(_ value: Value, _ args: FilterArguments, longest: Bool) throws -> Value {
        let columns = try ([value] + args.positional).map { try $0.pythonIterated(args.filter) }
        let fill = args.keywords["fillvalue"] ?? .none
        let counts = columns.map(\.count)
        let rows = (longest ? counts.max() : counts.min()) ?? 0
        return .list((0..<rows).map { row in
            .tuple(columns.map { row < $0.count ? $0[row] : fill })
        })
    }

    @Sendable static func length(_ value: Value, _ args: FilterArguments) throws -> Value {
        switch value {
        case .string(let s): return .int(s.unicodeScalars.count)
        case .list(let l), .tuple(let l): return .int(l.count)
        case .dict(let d): return .int(d.count)
        default: throw TemplateError.typeError("object of type '\(value.pythonTypeName)' has no len()")
        }
    }

    @Sendable static func first(_ value: Value, _ args: FilterArguments) throws -> Value {
        if case .string(let s) = value {
            return s.unicodeScalars.first.map { .string(String($0)) }
                ?? .undefined(Undefined("No first item, sequence was empty."))
        }
        return try value.pythonIterated("first").first ?? .undefined(Undefined("No first item, sequence was empty."))
    }

    @Sendable static func last(_ value: Value, _ args: FilterArguments) throws -> Value {
        if case .string(let s) = value {
            return s.unicodeScalars.last.map { .string(String($0)) }
                ?? .undefined(Undefined("No last item, sequence was empty."))
        }
        return try value.pythonIterated("last").last ?? .undefined(Undefined("No last item, sequence was empty."))
    }

    @Sendable static func reverse(_ value: Value, _ args: FilterArguments) throws -> Value {
        if case .string(let s) = value {
            return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed())))
        }
        return .list(try value.pythonIterated("reverse").reversed())
    }

    @Sendable static func items(_ value: Value, _ args: FilterArguments) throws -> Value {
        guard case .dict(let d) = value else {
            throw TemplateError.typeError("Can only get item pairs from a mapping.")
        }
        return .list(d.map { .tuple([.string($0.key), $0.value]) })
    }

    @Sendable static func batch(_ value: Value, _ args: FilterArguments) throws -> Value {
        let size = try args.int(0, "linecount", default: 0)
        guard size > 0 else { throw TemplateError.filterError("batch: the batch size must be at least 1, got \(size)") }
        let fill = args.value(1, "fill_with")
        let items = try value.pythonIterated("batch")
        var rows: [Value] = []
        var start = 0
        while start < items.count {
            var row = Array(items[start..<min(start + size, items.count)])
            if row.count < size, let fill = fill, !fill.isNoneValue {
                row += Array(repeating: fill, count: size - row.count)
            }
            rows.append(.list(row))
            start += size
        }
        return .list(rows)
    }
}
