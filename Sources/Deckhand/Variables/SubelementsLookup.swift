import Foundation
import Jinja
import OrderedCollections

/// Ansible's subelements lookup (`with_subelements: [list, 'a.b.list', {skip_missing: true}]`): a
/// `[parent, child]` pair for each child of each parent's list at the dotted key. As in Ansible, the parent in
/// the pair no longer holds that list, a skipped parent (a registered result) is left out, and the errors
/// are Ansible's.
enum SubelementsLookup {
    static func items(_ terms: [Value]) throws -> [Value] {
        let usage = "subelements lookup expects a list of two or three items, "
        guard (2...3).contains(terms.count) else { throw LookupError(usage) }
        guard case .string(let path) = terms[1] else {
            throw LookupError(usage + "first a dict or a list, second a string pointing to the subkey")
        }
        let parents: [Value]
        switch terms[0] {
        case .list(let items): parents = items
        case .dict(let dict):
            if isSkipped(dict) { return [] }
            parents = Array(dict.values)
        default: throw LookupError(usage + "first a dict or a list, second a string pointing to the subkey")
        }
        var skipMissing = false
        if terms.count == 3 {
            guard case .dict(let flags) = terms[2], flags.keys.allSatisfy({ $0 == "skip_missing" }) else {
                throw LookupError(usage + "the optional third item must be a dict with flags ('skip_missing',)")
            }
            skipMissing = flags["skip_missing"].map(truthy) ?? false
        }
        let keys = path.split(separator: ".").map(String.init)
        var pairs: [Value] = []
        for parent in parents {
            guard case .dict(var top) = parent else {
                throw LookupError("subelements lookup expects a dictionary, got '\(parent.displayText)'")
            }
            if isSkipped(top) { continue }
            guard let children = try children(of: &top, at: keys[...], skipMissing: skipMissing) else { continue }
            pairs += children.map { .list([.dict(top), $0]) }
        }
        return pairs
    }

    /// The list at `keys` inside `dict`, removed from it; nil when a key is missing and skip_missing is set.
    private static func children(of dict: inout OrderedDictionary<String, Value>, at keys: ArraySlice<String>,
                                 skipMissing: Bool) throws -> [Value]? {
        guard let key = keys.first else { return [] }
        guard let value = dict[key] else {
            if skipMissing { return nil }
            throw LookupError("could not find '\(key)' key in iterated item '\(Value.dict(dict).displayText)'")
        }
        if keys.count == 1 {
            guard case .list(let items) = value else {
                throw LookupError("the key \(key) should point to a list, got '\(value.displayText)'")
            }
            dict.removeValue(forKey: key)
            return items
        }
        guard case .dict(var inner) = value else {
            if skipMissing { return nil }
            throw LookupError("the key \(key) should point to a dictionary, got '\(value.displayText)'")
        }
        let found = try children(of: &inner, at: keys.dropFirst(), skipMissing: skipMissing)
        dict[key] = .dict(inner)
        return found
    }

    private static func isSkipped(_ dict: OrderedDictionary<String, Value>) -> Bool {
        guard let skipped = dict["skipped"] else { return false }
        return skipped != .bool(false)
    }

    private static func truthy(_ value: Value) -> Bool {
        switch value {
        case .bool(let flag): return flag
        case .string(let text): return ["yes", "on", "1", "true", "y", "t"].contains(text.lowercased())
        case .int(let number): return number == 1
        default: return false
        }
    }
}
