import Foundation
import Jinja
import OrderedCollections

/// Turns a task's `loop:` / `with_*:` into the list of items, per host (the source may be a template).
enum LoopItems {
    /// `sourceFolder`: the role folder the task's module reads from (with_first_found looks there first).
    static func items(of loop: Loop, scope: TemplatedScope, templating: Templating,
                      sourceFolder: String = "files") throws -> [Value] {
        let source = try templating.renderDeep(loop.source, scope)
        switch loop.kind {
        case .loop, .list:
            return try list(source, loop)
        case .items:
            return try list(source, loop).flatMap { item -> [Value] in
                if case .list(let inner) = item { return inner }
                return [item]
            }
        case .dict:
            guard case .dict(let dict) = source else {
                throw LoopError("with_dict: the dict lookup plugin expects a dictionary, got \(source.typeName)", loop.location)
            }
            return dict.map { .dict(["key": .string($0.key), "value": $0.value]) }
        case .indexedItems:
            return try list(source, loop).enumerated().map { .list([.int($0.offset), $0.element]) }
        case .together:
            let lists = try list(source, loop).map { try list($0, loop) }
            let count = lists.map(\.count).max() ?? 0
            return (0..<count).map { index in .list(lists.map { index < $0.count ? $0[index] : .none }) }
        case .nested:
            let lists = try list(source, loop).map { try list($0, loop) }
            var product: [[Value]] = [[]]
            for list in lists { product = product.flatMap { prefix in list.map { prefix + [$0] } } }
            return product.map(Value.list)
        case .fileglob, .file, .firstFound, .lines, .env, .template:
            let name = loop.kind.lookupName ?? loop.kind.keyword
            var terms = [source]
            if case .dict = source {} else { terms = try list(source, loop) }
            return try Lookups.query(name, terms: terms, scope: scope, environment: templating.environment,
                                     sourceFolder: sourceFolder)
        case .sequence:
            return try sequence(source, loop)
        case .subelements:
            let parts = try list(source, loop)
            guard parts.count >= 2, case .string(let key) = parts[1] else {
                throw LoopError("with_subelements expects [list, 'key']", loop.location)
            }
            return try list(parts[0], loop).flatMap { parent -> [Value] in
                guard case .dict(let dict) = parent, let children = dict[key] else { return [] }
                return try list(children, loop).map { .list([parent, $0]) }
            }
        }
    }

    private static func list(_ value: Value, _ loop: Loop) throws -> [Value] {
        switch value {
        case .list(let items): return items
        case .none: return []
        // with_list of one mapping is a list of that mapping, as Ansible's listify gives.
        case .dict where loop.kind == .list: return [value]
        case .string(let text) where loop.kind != .loop:
            return text.split(separator: ",").map { .string(String($0).trimmed) }
        default:
            throw LoopError("\(loop.kind.keyword) expects a list, got \(value.typeName) (\(value.shortText)); "
                            + "use `| dict2items` for a dict", loop.location)
        }
    }

    /// Ansible's sequence lookup: `start=1 end=5 stride=2 format=web%02d` (or `count=`), or the shortcut
    /// `[start-]end[/stride][:format]`, with its errors.
    private static func sequence(_ value: Value, _ loop: Loop) throws -> [Value] {
        guard case .string(let text) = value else { throw LoopError("with_sequence expects start=.. end=..", loop.location) }
        func number(_ name: String, _ given: String) throws -> Int {
            let lowered = given.lowercased()
            let parsed = lowered.hasPrefix("0x") ? Int(lowered.dropFirst(2), radix: 16)
                : lowered.hasPrefix("0o") ? Int(lowered.dropFirst(2), radix: 8) : Int(given)
            guard let parsed else { throw LoopError("\(name)=\(given) has an invalid value (not a number)", loop.location) }
            return parsed
        }
        var start = 1, end: Int?, count: Int?, stride = 1, format = "%d"
        if text.contains("=") {
            var unknown: [String] = []
            for word in text.split(separator: " ") {
                let pair = word.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2 else { unknown.append(String(word)); continue }
                switch pair[0] {
                case "start": start = try number("start", pair[1])
                case "end": end = try number("end", pair[1])
                case "count": count = try number("count", pair[1])
                case "stride": stride = try number("stride", pair[1])
                case "format": format = pair[1]
                default: unknown.append(pair[0])
                }
            }
            if !unknown.isEmpty {
                throw LoopError("unrecognized arguments to with_sequence: \(unknown.joined(separator: ", "))", loop.location)
            }
        } else {
            guard let m = text.trimmed.wholeMatch(of: #/(?:([^-/:]+)-)?([^-/:]+)(?:/([^:]+))?(?::(.+))?/#) else {
                throw LoopError("can't parse arg \(text) as a with_sequence shortcut", loop.location)
            }
            if let given = m.1 { start = try number("start", String(given)) }
            end = try number("end", String(m.2))
            if let given = m.3 { stride = try number("stride", String(given)) }
            if let given = m.4 { format = String(given) }
        }
        if let count {
            guard end == nil else { throw LoopError("can't specify both count and end in with_sequence", loop.location) }
            guard count > 0 else { return [] }
            end = start + (count - 1) * stride
        }
        guard let end else { throw LoopError("must specify count or end in with_sequence", loop.location) }
        if stride > 0 && end < start { throw LoopError("to count backwards make stride negative", loop.location) }
        if stride < 0 && end > start { throw LoopError("to count forward don't make stride negative", loop.location) }
        guard stride != 0 else { return [] }
        guard format.contains("%") else { throw LoopError("bad formatting string: \(format)", loop.location) }
        return Swift.stride(from: start, through: end, by: stride).map { .string(String(format: format, $0)) }
    }
}

/// A loop source that is not what its keyword needs.
struct LoopError: Error, CustomStringConvertible {
    var message: String
    var location: SourceLocation

    init(_ message: String, _ location: SourceLocation) {
        self.message = message
        self.location = location
    }

    var description: String { message }
}
