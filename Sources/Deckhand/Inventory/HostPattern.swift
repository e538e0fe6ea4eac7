import Foundation

/// Ansible host patterns: `all`, `*`, groups, hosts, globs, `~regex`, and the `a:b` (union), `a:&b`
/// (intersection), `a:!b` (exclusion) operators.
public struct HostPattern: Sendable, Hashable, CustomStringConvertible {
    public var text: String

    public init(_ text: String) {
        self.text = text
    }

    public var description: String { text }

    /// The terms in Ansible's evaluation order: unions first, then intersections, then exclusions.
    var terms: [(kind: TermKind, text: String)] {
        let raw = splitOutsideBrackets(text)
        var unions: [(TermKind, String)] = []
        var intersections: [(TermKind, String)] = []
        var exclusions: [(TermKind, String)] = []
        for piece in raw.map({ $0.trimmingCharacters(in: .whitespaces) }) where !piece.isEmpty {
            if piece.hasPrefix("&") {
                intersections.append((.intersection, String(piece.dropFirst())))
            } else if piece.hasPrefix("!") {
                exclusions.append((.exclusion, String(piece.dropFirst())))
            } else {
                unions.append((.union, piece))
            }
        }
        return unions + intersections + exclusions
    }

    enum TermKind { case union, intersection, exclusion }

    private func splitOutsideBrackets(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "[" { depth += 1 }
            if character == "]" { depth = max(0, depth - 1) }
            if (character == ":" || character == ",") && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts
    }
}

extension Inventory {
    /// The hosts `pattern` selects, in inventory order (explicitly named hosts not in the inventory, such as
    /// `localhost`, come last). Terms matching nothing are ignored, as Ansible does with a warning.
    public func hostNames(matching pattern: HostPattern) -> [String] {
        var selected: [String] = []
        var selectedSet = Set<String>()
        for (kind, term) in pattern.terms {
            let matched = hostNames(matchingTerm: term)
            switch kind {
            case .union:
                for name in matched where selectedSet.insert(name).inserted { selected.append(name) }
            case .intersection:
                let keep = Set(matched)
                selected = selected.filter { keep.contains($0) }
                selectedSet = Set(selected)
            case .exclusion:
                let drop = Set(matched)
                selected = selected.filter { !drop.contains($0) }
                selectedSet = Set(selected)
            }
        }
        let order = Dictionary(uniqueKeysWithValues: hosts.keys.enumerated().map { ($1, $0) })
        return selected.sorted { (order[$0] ?? Int.max, 0) < (order[$1] ?? Int.max, 0) }
    }

    /// The terms of `pattern` that match no host or group (for "could not match" warnings).
    public func unmatchedTerms(in pattern: HostPattern) -> [String] {
        pattern.terms.map(\.text).filter { hostNames(matchingTerm: $0).isEmpty }
    }

    /// `--limit`: the hosts of `pattern` also selected by `limit` (a pattern, or `@file` of host names).
    public func hostNames(matching pattern: HostPattern, limit: String?) throws -> [String] {
        let hosts = hostNames(matching: pattern)
        guard let limit, !limit.isEmpty else { return hosts }
        var allowed: Set<String>
        if limit.hasPrefix("@") {
            let path = String(limit.dropFirst())
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw InventoryError("cannot read the --limit file \(path)", path: path)
            }
            allowed = []
            for line in text.split(whereSeparator: \.isNewline) {
                let name = line.trimmingCharacters(in: .whitespaces)
                if !name.isEmpty { allowed.formUnion(hostNames(matching: HostPattern(name))) }
            }
        } else {
            allowed = Set(hostNames(matching: HostPattern(limit)))
        }
        return hosts.filter { allowed.contains($0) }
    }

    private func hostNames(matchingTerm term: String) -> [String] {
        if term == "all" || term == "*" { return Array(hosts.keys) }
        if term.hasPrefix("~") {
            guard let regex = try? NSRegularExpression(pattern: String(term.dropFirst())) else { return [] }
            func matches(_ name: String) -> Bool {
                regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
            }
            return namesMatching(matches)
        }
        if let (base, first, last) = subscripted(term), groups[base] != nil {
            let members = hostNames(inGroup: base)
            let lower = first < 0 ? members.count + first : first
            let upper = min(last < 0 ? members.count + last : last, members.count - 1)
            guard lower >= 0, lower <= upper else { return [] }
            return Array(members[lower...upper])
        }
        if groups[term] != nil { return hostNames(inGroup: term) }
        if hosts[term] != nil { return [term] }
        if term.contains("*") || term.contains("?") || term.contains("[") {
            return namesMatching { fnmatch(term, $0, 0) == 0 }
        }
        if host(named: term) != nil { return [term] }
        return []
    }

    /// Hosts whose name matches, plus the hosts of groups whose name matches.
    private func namesMatching(_ matches: (String) -> Bool) -> [String] {
        var names = Array(hosts.keys.filter(matches))
        for group in groups.keys where matches(group) { names += hostNames(inGroup: group) }
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    /// `web[0]`, `web[1:3]`, `web[-1]`: a slice of a group's hosts (inclusive, as Ansible).
    private func subscripted(_ term: String) -> (String, Int, Int)? {
        guard term.hasSuffix("]"), let open = term.lastIndex(of: "[") else { return nil }
        let base = String(term[..<open])
        let inside = term[term.index(after: open)..<term.index(before: term.endIndex)]
        let bounds = inside.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if bounds.count == 1, let index = Int(bounds[0]) { return (base, index, index) }
        if bounds.count == 2, let lower = bounds[0].isEmpty ? 0 : Int(bounds[0]),
           let upper = bounds[1].isEmpty ? -1 : Int(bounds[1]) {
            return (base, lower, upper)
        }
        return nil
    }
}
