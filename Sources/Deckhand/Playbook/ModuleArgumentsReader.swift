import Foundation
import Jinja
import OrderedCollections
import Yams

/// Module arguments as written in a task: a mapping, `key=value` text or free-form text, and where each
/// argument was written (for errors pointing at the argument itself).
extension LoadSession {
    func argumentLocations(_ node: Node, reader: NodeReader) -> [String: SourceLocation] {
        var locations: [String: SourceLocation] = [:]
        for (key, keyNode, _) in reader.entries(node) { locations[key] = reader.location(keyNode) }
        // key=value text on one plain line: point at each `key=` itself.
        if case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any,
           !scalar.string.contains("\n"), let words = try? KeyValueArguments.words(scalar.string) {
            let start = reader.location(node)
            var offset = 0
            var searchFrom = scalar.string.startIndex
            for word in words {
                guard let range = scalar.string.range(of: word, range: searchFrom..<scalar.string.endIndex) else { break }
                offset = scalar.string.unicodeScalars.distance(from: scalar.string.unicodeScalars.startIndex,
                                                               to: range.lowerBound.samePosition(in: scalar.string.unicodeScalars)
                                                                   ?? scalar.string.unicodeScalars.startIndex)
                searchFrom = range.upperBound
                if let equals = word.firstIndex(of: "=") {
                    let key = String(word[..<equals])
                    if locations[key] == nil {
                        locations[key] = SourceLocation(file: start.file, line: start.line, column: start.column + offset)
                    }
                }
            }
        }
        return locations
    }

    /// The module's arguments from a mapping, a `key=value` string or free-form text.
    func moduleArguments(_ action: ActionCandidate, spec: ModuleSpec,
                                 reader: NodeReader) -> OrderedDictionary<String, Value> {
        switch reader.value(action.value) {
        case .none:
            return [:]
        case .dict(var dict):
            if let freeForm = spec.freeFormArgument, let raw = dict.removeValue(forKey: "_raw_params") {
                dict[freeForm] = raw
            }
            return dict
        case .string(let text) where spec.freeFormArgument == nil && ModuleCall.isWholeTemplate(text):
            // `assert: "{{ item }}"`: the arguments are a mapping the template gives at run time.
            return [ModuleCall.variableArguments: .string(text)]
        case .string(let text):
            let known: Set<String>? = spec.freeFormArgument == nil || spec.acceptsAnyArguments
                ? nil : Set(spec.arguments.flatMap { [$0.name] + $0.aliases }).subtracting([spec.freeFormArgument!])
            let parsed: KeyValueArguments.Parsed
            do {
                parsed = try KeyValueArguments.parse(text, onlyKeys: known)
            } catch {
                var message = "a quote is not closed in the arguments of '\(action.name)'"
                if let argument = spec.freeFormArgument {
                    // Ansible splits free-form text into words too (looking for key=value), comments included.
                    message += " (as in Ansible, free-form text is split into words, comments included): close it, "
                        + "or put the text under '\(argument):'"
                    reader.fail(message, at: action.value, text: text)
                    return [argument: .string(text)]
                }
                reader.fail(message, at: action.value, text: text)
                return [:]
            }
            var dict = OrderedDictionary<String, Value>()
            for (key, value) in parsed.pairs {
                TrustedText.record(value)
                dict[key] = .string(value)
            }
            if let freeForm = parsed.freeForm {
                if let argument = spec.freeFormArgument {
                    dict[argument] = .string(freeForm)
                } else {
                    reader.fail("'\(spec.name)' takes key=value arguments (or a mapping); '\(freeForm)' is not one",
                                at: action.value, text: freeForm)
                }
            }
            return dict
        case .int, .double, .bool:
            if let argument = spec.freeFormArgument, let text = reader.string(action.value, action.name) {
                return [argument: .string(text)]
            }
            fallthrough
        default:
            reader.fail("the arguments of '\(action.name)' must be a mapping or key=value text", at: action.value,
                        text: action.name)
            return [:]
        }
    }
}
