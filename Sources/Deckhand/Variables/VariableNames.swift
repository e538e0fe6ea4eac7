import Foundation
import Jinja

/// Ansible's varnames lookup: the names of the variables a task sees that a regular expression finds (Python's
/// re.search: anywhere in the name), for each term in turn, each name once.
enum VariableNames {
    static func matching(_ terms: [Value], in scope: TemplatedScope) throws -> [String] {
        var names = Array(scope.magic.keys)
        names += scope.layers.merged.keys.filter { !names.contains($0) }
        names += scope.overrides.keys.filter { !names.contains($0) }
        var found: [String] = []
        for term in terms {
            guard case .string(let pattern) = term else {
                throw LookupError("Invalid setting identifier, \"\(term.displayText)\" is not a string, it is a \(term.typeName)")
            }
            let expression: NSRegularExpression
            do { expression = try NSRegularExpression(pattern: pattern) } catch {
                // Python's words for the usual mistake: a pattern starting with a quantifier (a shell glob).
                let reason = pattern.first.map { "*+?{".contains($0) } == true ? "nothing to repeat at position 0"
                    : "not a valid regular expression"
                throw LookupError("Unable to use \"\(pattern)\" as a search parameter: \(reason)")
            }
            for name in names where !found.contains(name) {
                if expression.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil { found.append(name) }
            }
        }
        return found
    }
}
