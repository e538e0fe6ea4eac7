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
            guard !lists.isEmpty else {
                throw LoopError("with_together requires at least one element in each list", loop.location)
            }
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
            guard case .string(let text) = source else {
                throw LoopError("with_sequence expects start=.. end=..", loop.location)
            }
            do { return try SequenceLookup.items(text) } catch let error as LookupError {
                throw LoopError(error.description, loop.location)
            }
        case .randomChoice:
            return try list(source, loop).randomElement().map { [$0] } ?? []
        case .subelements:
            do { return try SubelementsLookup.items(try list(source, loop)) } catch let error as LookupError {
                throw LoopError(error.description, loop.location)
            }
        }
    }

    private static func list(_ value: Value, _ loop: Loop) throws -> [Value] {
        switch value {
        case .list(let items): return items
        case .none: return []
        // A with_* loop over one mapping loops once, over that mapping, as Ansible's listify gives.
        case .dict where loop.kind != .loop: return [value]
        case .string(let text) where loop.kind != .loop:
            return text.split(separator: ",").map { .string(String($0).trimmed) }
        default:
            throw LoopError("\(loop.kind.keyword) expects a list, got \(value.typeName) (\(value.shortText)); "
                            + "use `| dict2items` for a dict", loop.location)
        }
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
