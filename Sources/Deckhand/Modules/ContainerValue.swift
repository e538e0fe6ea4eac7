import Foundation

/// One docker_container option's value, wanted or inspected, in the shape community.docker compares it:
/// `docker container inspect`'s JSON values (strings, numbers, lists, objects) and the task's, normalised alike.
indirect enum ContainerValue: Hashable, Sendable {
    case text(String)
    case number(Int)
    case flag(Bool)
    case list([ContainerValue])
    case dict([String: ContainerValue])

    /// A value of inspect's JSON; booleans only where the option reads one itself (`flag(at:)`), since
    /// Foundation on Linux cannot tell `true` from `1` in a parsed number. Nil for null or a missing key.
    init?(json: Any?) {
        switch json {
        case let text as String: self = .text(text)
        case let number as NSNumber: self = .number(number.intValue)
        case let items as [Any]: self = .list(items.compactMap { ContainerValue(json: $0) })
        case let object as [String: Any]: self = .dict(object.compactMapValues { ContainerValue(json: $0) })
        default: return nil
        }
    }

    static func texts(_ items: [String]) -> ContainerValue { .list(items.map(ContainerValue.text)) }

    static func textDict(_ values: [String: String]) -> ContainerValue { .dict(values.mapValues(ContainerValue.text)) }

    var items: [ContainerValue] {
        if case .list(let items) = self { return items }
        return []
    }

    var entries: [String: ContainerValue] {
        if case .dict(let entries) = self { return entries }
        return [:]
    }

    var text: String? {
        switch self {
        case .text(let text): return text
        case .number(let number): return String(number)
        default: return nil
        }
    }

    /// How the diff shows it: words and numbers bare, lists and objects as JSON with sorted keys.
    var rendered: String {
        switch self {
        case .text(let text): return text
        case .number(let number): return String(number)
        case .flag(let flag): return String(flag)
        case .list(let items): return "[" + items.map(\.json).joined(separator: ", ") + "]"
        case .dict: return json
        }
    }

    private var json: String {
        switch self {
        case .text(let text):
            let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data()
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        case .number, .flag: return rendered
        case .list: return rendered
        case .dict(let entries):
            return "{" + entries.sorted { $0.key < $1.key }.map { ContainerValue.text($0.key).json + ": " + $0.value.json }
                .joined(separator: ", ") + "}"
        }
    }
}

/// community.docker's comparison modes, set per option by `comparisons`.
enum ComparisonMode: String, CaseIterable, Sendable {
    case strict, ignore
    case allowMorePresent = "allow_more_present"
}

/// What kind of value an option holds, which decides how it compares (community.docker's comparison types).
enum ComparisonType: Sendable {
    case value, list, set, setOfDicts, dict

    /// Single values and ordered lists must be equal; sets and dicts may hold more on the container.
    var defaultMode: ComparisonMode { self == .value || self == .list ? .strict : .allowMorePresent }

    /// community.docker's compare_generic: does the container's `existing` value satisfy `wanted`?
    func matches(_ wanted: ContainerValue?, _ existing: ContainerValue?, mode: ComparisonMode) -> Bool {
        if mode == .ignore { return true }
        guard let wanted, let existing else {
            if wanted == existing { return true }
            if self == .value { return false }
            if mode == .allowMorePresent && wanted == nil { return true }
            return Self.isEmpty(wanted ?? existing!)
        }
        switch self {
        case .value:
            return wanted == existing
        case .list:
            if mode == .strict { return wanted == existing }
            var remaining = existing.items[...]
            for item in wanted.items {
                guard let found = remaining.firstIndex(of: item) else { return false }
                remaining = remaining[(found + 1)...]
            }
            return true
        case .dict:
            return mode == .strict ? wanted == existing : Self.contains(existing, wanted)
        case .set:
            let have = Set(existing.items), want = Set(wanted.items)
            return mode == .strict ? have == want : have.isSuperset(of: want)
        case .setOfDicts:
            let found = wanted.items.allSatisfy { want in existing.items.contains { Self.contains($0, want) } }
            guard found, mode == .strict else { return found }
            return existing.items.allSatisfy { have in wanted.items.contains { Self.contains(have, $0) } }
        }
    }

    /// Every entry of the dictionary `part` is in `whole` with the same value.
    private static func contains(_ whole: ContainerValue, _ part: ContainerValue) -> Bool {
        let entries = whole.entries
        return part.entries.allSatisfy { entries[$0.key] == $0.value }
    }

    private static func isEmpty(_ value: ContainerValue) -> Bool {
        switch value {
        case .list(let items): return items.isEmpty
        case .dict(let entries): return entries.isEmpty
        case .text(let text): return text.isEmpty
        default: return false
        }
    }
}
