/// "Did you mean": the known name nearest to a mistyped one.
public enum Suggestion {
    /// The candidate with the smallest edit distance to `word`, if it is close enough to be a typo
    /// (at most a third of the word's length, minimum 2 edits allowed), or one contains the other.
    public static func nearest(_ word: String, in candidates: [String]) -> String? {
        var best: (name: String, distance: Int, subsequence: Bool)?
        let lowered = word.lowercased()
        // Sorted so ties break the same way every time; among equally near names, one that only adds or
        // drops letters ("taks" -> "tasks") beats one that changes a letter ("tags").
        for candidate in candidates.sorted() {
            let other = candidate.lowercased()
            let distance = editDistance(lowered, other)
            let subsequence = isSubsequence(lowered, of: other) || isSubsequence(other, of: lowered)
            if best == nil || distance < best!.distance
                || (distance == best!.distance && subsequence && !best!.subsequence) {
                best = (candidate, distance, subsequence)
            }
        }
        guard let best else { return nil }
        let allowed = max(2, word.count / 3)
        if best.distance <= allowed { return best.name }
        if let containing = candidates.first(where: { $0.contains(lowered) || (lowered.contains($0) && $0.count > 3) }) {
            return containing
        }
        return nil
    }

    /// Up to `count` candidates nearest to `word`, nearest first (for "nearest modules: …" lists).
    public static func nearest(_ word: String, in candidates: [String], count: Int) -> [String] {
        let lowered = word.lowercased()
        let ranked = candidates.sorted().map { ($0, editDistance(lowered, $0.lowercased())) }
            .sorted { $0.1 < $1.1 }
        let allowed = max(3, word.count / 2)
        return Array(ranked.filter { $0.1 <= allowed }.prefix(count).map(\.0))
    }

    static func isSubsequence(_ short: String, of long: String) -> Bool {
        var remaining = Substring(short)
        for character in long where remaining.first == character { remaining = remaining.dropFirst() }
        return remaining.isEmpty
    }

    /// Levenshtein distance between `a` and `b`.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let left = Array(a), right = Array(b)
        if left.isEmpty { return right.count }
        if right.isEmpty { return left.count }
        var previous = Array(0...right.count)
        var current = [Int](repeating: 0, count: right.count + 1)
        for i in 1...left.count {
            current[0] = i
            for j in 1...right.count {
                let cost = left[i - 1] == right[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[right.count]
    }
}
