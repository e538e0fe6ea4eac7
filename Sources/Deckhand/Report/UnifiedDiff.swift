/// A unified diff of two texts, as `--diff` shows file changes.
enum UnifiedDiff {
    /// Lines prefixed with ` `, `-` and `+`, in hunks with three lines of context; empty when equal.
    static func render(before: String, after: String, beforeHeader: String, afterHeader: String, context: Int = 3) -> String {
        let old = before.splitLines, new = after.splitLines
        guard old != new else { return "" }
        let operations = diff(old, new)
        var lines = ["--- \(beforeHeader)", "+++ \(afterHeader)"]
        // Group operations into hunks around changes.
        var index = 0
        while index < operations.count {
            guard let change = operations[index...].firstIndex(where: { $0.kind != " " }) else { break }
            let start = max(change - context, index == 0 ? 0 : index)
            var end = change
            var lastChange = change
            while end < operations.count {
                if operations[end].kind != " " { lastChange = end }
                if end - lastChange > context * 2 { break }
                end += 1
            }
            end = min(operations.count, lastChange + context + 1)
            let hunk = operations[start..<end]
            let oldStart = (hunk.first { $0.kind != "+" }?.oldIndex ?? 0) + 1
            let newStart = (hunk.first { $0.kind != "-" }?.newIndex ?? 0) + 1
            let oldCount = hunk.filter { $0.kind != "+" }.count
            let newCount = hunk.filter { $0.kind != "-" }.count
            lines.append("@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@")
            for operation in hunk { lines.append("\(operation.kind)\(operation.text)") }
            index = end
        }
        return lines.joined(separator: "\n") + "\n"
    }

    struct Operation {
        var kind: Character
        var text: String
        var oldIndex: Int
        var newIndex: Int
    }

    /// A longest-common-subsequence line diff (files deckhand writes are small; huge ones are summarised).
    static func diff(_ old: [String], _ new: [String]) -> [Operation] {
        if old.count * new.count > 4_000_000 {
            return old.enumerated().map { Operation(kind: "-", text: $0.element, oldIndex: $0.offset, newIndex: 0) }
                + new.enumerated().map { Operation(kind: "+", text: $0.element, oldIndex: old.count, newIndex: $0.offset) }
        }
        let n = old.count, m = new.count
        var table = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                table[i][j] = old[i] == new[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var operations: [Operation] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, old[i] == new[j] {
                operations.append(Operation(kind: " ", text: old[i], oldIndex: i, newIndex: j)); i += 1; j += 1
            } else if i < n, j == m || table[i + 1][j] >= table[i][j + 1] {
                operations.append(Operation(kind: "-", text: old[i], oldIndex: i, newIndex: j)); i += 1
            } else {
                operations.append(Operation(kind: "+", text: new[j], oldIndex: i, newIndex: j)); j += 1
            }
        }
        return operations
    }
}
