import Foundation
import OrderedCollections
import Yams

/// PyYAML's YAML 1.1 implicit typing of plain scalars (yes/no/on/off are booleans, 0x1F is an int, ~ is null),
/// used both to read YAML (from_yaml) and to decide which strings must be quoted when writing it.
enum YAMLResolver {
    private static func regex(_ pattern: String) -> NSRegularExpression {
        // The patterns are constants; a failure here is a programming error caught by the first test run.
        return try! NSRegularExpression(pattern: "^(?:" + pattern + ")$", options: [])
    }

    private static let boolPattern = "yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    private static let floatPattern =
        "[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        + "|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)"
    private static let intPattern =
        "[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+"
    private static let nullPattern = "~|null|Null|NULL|"
    private static let timestampPattern =
        "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
        + "(?:[Tt]|[ \\t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\\.[0-9]*)?(?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?"

    private static let bool = regex(boolPattern)
    private static let float = regex(floatPattern)
    private static let int = regex(intPattern)
    private static let null = regex(nullPattern)
    private static let timestamp = regex(timestampPattern)
    private static let others = regex("<<|=|!|&|\\*")

    /// PyYAML's implicit resolvers, in its order, so Yams types plain scalars exactly as PyYAML does
    /// (and an explicit `!!str 5` stays a string).
    private static let pyyamlResolver: Resolver = {
        func anchored(_ p: String) -> String { "^(?:" + p + ")$" }
        // The patterns are constants; a failure here is a programming error caught by the first test run.
        return try! Resolver.basic
            .appending(.bool, anchored(boolPattern))
            .appending(.float, anchored(floatPattern))
            .appending(.int, anchored(intPattern))
            .appending(.merge, anchored("<<"))
            .appending(.null, anchored(nullPattern))
            .appending(.timestamp, anchored(timestampPattern))
            .appending(.value, anchored("="))
    }()

    private static func matches(_ re: NSRegularExpression, _ s: String) -> Bool {
        re.firstMatch(in: s, options: [], range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// Whether `s`, written plain, reads back as a string (so it needs no quotes).
    static func resolvesToString(_ s: String) -> Bool {
        if s.isEmpty { return false }
        guard let first = s.unicodeScalars.first else { return false }
        if "yYnNtTfFoO".unicodeScalars.contains(first), matches(bool, s) { return false }
        if "-+0123456789.".unicodeScalars.contains(first), matches(float, s) || matches(int, s) { return false }
        if "~nN".unicodeScalars.contains(first), matches(null, s) { return false }
        if ("0"..."9").contains(first), matches(timestamp, s) { return false }
        if "<=!&*".unicodeScalars.contains(first), matches(others, s) { return false }
        return true
    }

    private static func int(_ text: String) -> Int? {
        var s = Substring(text.replacingOccurrences(of: "_", with: ""))
        var sign = 1
        if let first = s.first, first == "-" || first == "+" { sign = first == "-" ? -1 : 1; s = s.dropFirst() }
        if s == "0" { return 0 }
        if s.hasPrefix("0b") { return Int(s.dropFirst(2), radix: 2).map { sign * $0 } }
        if s.hasPrefix("0x") { return Int(s.dropFirst(2), radix: 16).map { sign * $0 } }
        if s.hasPrefix("0") { return Int(s.dropFirst(), radix: 8).map { sign * $0 } }
        if s.contains(":") {
            var total = 0
            for part in s.split(separator: ":") { total = total * 60 + (Int(part) ?? 0) }
            return sign * total
        }
        return Int(s).map { sign * $0 }
    }

    private static func float(_ text: String) -> Double? {
        var s = Substring(text.replacingOccurrences(of: "_", with: "").lowercased())
        var sign = 1.0
        if let first = s.first, first == "-" || first == "+" { sign = first == "-" ? -1 : 1; s = s.dropFirst() }
        if s == ".inf" { return sign * .infinity }
        if s == ".nan" { return .nan }
        if s.contains(":") {
            var total = 0.0
            for part in s.split(separator: ":") { total = total * 60 + (Double(part) ?? 0) }
            return sign * total
        }
        return Double(s).map { sign * $0 }
    }

    /// yaml.safe_load(text), keeping mapping order as PyYAML's dicts do.
    static func load(_ text: String) throws -> Value {
        let node: Yams.Node?
        do {
            node = try Yams.compose(yaml: text, pyyamlResolver)
        } catch {
            throw TemplateError.runtime("invalid YAML: \(error)")
        }
        guard let root = node else { return .none }
        return try value(of: root)
    }

    private static func value(of node: Yams.Node) throws -> Value {
        switch node {
        case .scalar(let scalar):
            return typed(scalar, tag: node.tag.rawValue)
        case .sequence(let sequence):
            return .list(try sequence.map(value(of:)))
        case .mapping(let mapping):
            var d = OrderedDictionary<String, Value>()
            for (k, v) in mapping {
                let key = try value(of: k)
                if case .scalar(let s) = k, s.style == .plain, s.string == "<<" {
                    for merged in try mergeSources(v) { for (mk, mv) in merged where d[mk] == nil { d[mk] = mv } }
                    continue
                }
                d[key.pythonStr] = try value(of: v)
            }
            return .dict(d)
        case .alias:
            throw TemplateError.runtime("invalid YAML: unresolved alias")
        }
    }

    private static func mergeSources(_ node: Yams.Node) throws -> [OrderedDictionary<String, Value>] {
        switch try value(of: node) {
        case .dict(let d): return [d]
        case .list(let items): return items.compactMap { if case .dict(let d) = $0 { return d } else { return nil } }
        default: return []
        }
    }

    /// `tag` is the resolved one: explicit (`!!str 5`) or what the PyYAML rules make of a plain scalar.
    private static func typed(_ scalar: Yams.Node.Scalar, tag: String) -> Value {
        let text = scalar.string
        switch tag {
        case "tag:yaml.org,2002:int": return int(text).map(Value.int) ?? .string(text)
        case "tag:yaml.org,2002:float": return float(text).map(Value.double) ?? .string(text)
        case "tag:yaml.org,2002:bool": return .bool(["yes", "true", "on"].contains(text.lowercased()))
        case "tag:yaml.org,2002:null": return .none
        default: return .string(text)
        }
    }
}
