/// "Did you mean": the known name nearest to a mistyped one.
public enum Suggestion {
    /// The candidate with the smallest edit distance to `word`, if it is close enough to be a typo
    /// (at most a third of the word's length, minimum 2 edits allowed), or one contains the other.
    public static func nearest(_ word: String, in candidates: [String]) -> String? {
        var best: (name: String, distance: Int)?
        let lowered = word.lowercased()
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        guard let best else { return nil }
        let allowed = max(2, word.count / 3)
        if best.distance <= allowed { return best.name }
        if let containing = candidates.first(where: { $0.contains(lowered) || (lowered.contains($0) && $0.count > 3) }) {
            return containing
        }
        return nil
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
