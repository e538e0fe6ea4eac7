/// JSON and YAML filters: Jinja's tojson and Ansible's to_json, to_nice_json, to_yaml, to_nice_yaml,
/// from_json, from_yaml — byte for byte what Python's json and PyYAML write.
enum DataFormatFilters {
    static let table: [String: PureFilters.Body] = [
        "tojson": tojson,
        "to_json": toJSON,
        "to_nice_json": toNiceJSON,
        "to_yaml": { v, a in .string(try yaml(v, a, flowStyle: nil, defaultIndent: 2)) },
        "to_nice_yaml": { v, a in .string(try yaml(v, a, flowStyle: false, defaultIndent: 4)) },
        "from_json": fromJSON,
        "from_yaml": fromYAML,
    ]

    private static func indentString(_ value: Value?) throws -> String? {
        switch value {
        case nil, .none?: return nil
        case .string(let s)?: return s
        case .int(let n)?: return String(repeating: " ", count: max(0, n))
        case let other?: throw TemplateError.filterError("indent must be a number or a string, got \(other.pythonRepr)")
        }
    }

    /// Jinja's tojson: sorted keys, ASCII only, and `< > & '` escaped for HTML.
    @Sendable static func tojson(_ value: Value, _ args: FilterArguments) throws -> Value {
        var options = JSONFormat.Options(indent: try indentString(args.value(0, "indent")), sortKeys: true)
        options.htmlSafe = true
        return .string(try JSONFormat.encode(value, options))
    }

    /// Ansible's to_json: json.dumps with the caller's indent, sort_keys and ensure_ascii.
    @Sendable static func toJSON(_ value: Value, _ args: FilterArguments) throws -> Value {
        try args.allowKeywords(["indent", "sort_keys", "ensure_ascii", "vault_to_text", "preprocess_unsafe"])
        let options = JSONFormat.Options(
            indent: try indentString(args.keywords["indent"]),
            sortKeys: args.keywords["sort_keys"]?.isTruthy ?? false,
            ensureASCII: args.keywords["ensure_ascii"]?.isTruthy ?? true)
        return .string(try JSONFormat.encode(value, options))
    }

    /// Ansible's to_nice_json: indent 4 and sorted keys unless told otherwise.
    @Sendable static func toNiceJSON(_ value: Value, _ args: FilterArguments) throws -> Value {
        try args.allowKeywords(["indent", "sort_keys", "ensure_ascii", "vault_to_text", "preprocess_unsafe"])
        let options = JSONFormat.Options(
            indent: try indentString(args.value(0, "indent") ?? .int(4)),
            sortKeys: args.value(1, "sort_keys")?.isTruthy ?? true,
            ensureASCII: args.keywords["ensure_ascii"]?.isTruthy ?? true)
        return .string(try JSONFormat.encode(value, options))
    }

    private static func yaml(_ value: Value, _ args: FilterArguments, flowStyle: Bool?, defaultIndent: Int) throws -> String {
        var settings = YAMLEmitter.Settings(defaultFlowStyle: flowStyle)
        settings.indent = try args.int(flowStyle == nil ? 99 : 0, "indent", default: defaultIndent)
        settings.width = try args.int(99, "width", default: 80)
        if let style = args.keywords["default_flow_style"] {
            settings.defaultFlowStyle = style.isNoneValue ? nil : style.isTruthy
        }
        return try YAMLEmitter.dump(value, settings)
    }

    @Sendable static func fromJSON(_ value: Value, _ args: FilterArguments) throws -> Value {
        guard case .string(let s) = value else {
            throw TemplateError.typeError("the JSON object must be str, bytes or bytearray, not \(value.pythonTypeName)")
        }
        return try JSONFormat.decode(s)
    }

    @Sendable static func fromYAML(_ value: Value, _ args: FilterArguments) throws -> Value {
        guard case .string(let s) = value else { return value }
        return try YAMLResolver.load(s)
    }
}
