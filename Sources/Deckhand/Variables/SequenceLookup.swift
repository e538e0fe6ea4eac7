import Foundation
import Jinja

/// Ansible's sequence lookup, for `with_sequence` and `lookup`/`query('sequence', ...)`: `start=1 end=5 stride=2
/// format=web%02d` (or `count=`), or the shortcut `[start-]end[/stride][:format]`, with Ansible's error messages
/// (which name with_sequence whichever way it was called).
enum SequenceLookup {
    /// The words a sequence takes (as `name=value` in its text, or as a query's keyword arguments).
    static let settingNames: Set<String> = ["start", "end", "count", "stride", "format"]

    /// The items of one term, `defaults` (a query's keyword arguments) applying before the term's own.
    static func items(_ text: String, defaults: [String: Value] = [:]) throws -> [Value] {
        var settings = Settings()
        for (key, value) in defaults.sorted(by: { $0.key < $1.key }) where settingNames.contains(key) {
            try settings.set(key, value.displayText)
        }
        if text.contains("=") {
            var unknown: [String] = []
            for word in text.split(separator: " ") {
                let pair = word.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2, settingNames.contains(pair[0]) else {
                    unknown.append(pair.first ?? String(word))
                    continue
                }
                try settings.set(pair[0], pair[1])
            }
            if !unknown.isEmpty {
                throw LookupError("unrecognized arguments to with_sequence: \(unknown.joined(separator: ", "))")
            }
        } else if !text.trimmed.isEmpty {
            guard let m = text.trimmed.wholeMatch(of: #/(?:([^-/:]+)-)?([^-/:]+)(?:/([^:]+))?(?::(.+))?/#) else {
                throw LookupError("can't parse arg \(text) as a with_sequence shortcut")
            }
            if let given = m.1 { try settings.set("start", String(given)) }
            try settings.set("end", String(m.2))
            if let given = m.3 { try settings.set("stride", String(given)) }
            if let given = m.4 { try settings.set("format", String(given)) }
        }
        return try settings.items()
    }

    private struct Settings {
        var start = 1, end: Int?, count: Int?, stride = 1, format = "%d"

        mutating func set(_ name: String, _ given: String) throws {
            switch name {
            case "start": start = try number(name, given)
            case "end": end = try number(name, given)
            case "count": count = try number(name, given)
            case "stride": stride = try number(name, given)
            case "format": format = given
            default: throw LookupError("unrecognized arguments to with_sequence: \(name)")
            }
        }

        private func number(_ name: String, _ given: String) throws -> Int {
            let lowered = given.lowercased()
            let parsed = lowered.hasPrefix("0x") ? Int(lowered.dropFirst(2), radix: 16)
                : lowered.hasPrefix("0o") ? Int(lowered.dropFirst(2), radix: 8) : Int(given)
            guard let parsed else { throw LookupError("\(name)=\(given) has an invalid value (not a number)") }
            return parsed
        }

        func items() throws -> [Value] {
            var end = self.end
            if let count {
                guard end == nil else { throw LookupError("can't specify both count and end in with_sequence") }
                guard count != 0 else { return [] }
                // Ansible's arithmetic, kept for its answers: with a negative stride, count=5 gives 7 numbers.
                end = start + count * stride - 1
            }
            guard let end else { throw LookupError("must specify count or end in with_sequence") }
            if stride > 0 && end < start { throw LookupError("to count backwards make stride negative") }
            if stride < 0 && end > start { throw LookupError("to count forward don't make stride negative") }
            guard stride != 0 else { return [] }
            guard format.contains("%") else { throw LookupError("bad formatting string: \(format)") }
            return Swift.stride(from: start, through: end, by: stride).map { .string(String(format: format, $0)) }
        }
    }
}
