/// Expands Ansible's host ranges: `web[01:03]` -> web01, web02, web03; `db-[a:c]`; `[1:10:2]` with a step.
enum HostRange {
    /// The names `pattern` stands for (just the pattern when it has no range).
    static func expand(_ pattern: String) -> [String] {
        guard let open = pattern.firstIndex(of: "["), let close = pattern[open...].firstIndex(of: "]") else {
            return [pattern]
        }
        let head = String(pattern[..<open])
        let tail = String(pattern[pattern.index(after: close)...])
        let parts = pattern[pattern.index(after: open)..<close].split(separator: ":", omittingEmptySubsequences: false)
            .map(String.init)
        guard parts.count == 2 || parts.count == 3 else { return [pattern] }
        let step = parts.count == 3 ? (Int(parts[2]) ?? 1) : 1
        guard step > 0 else { return [pattern] }
        var middles: [String] = []
        if let start = Int(parts[0]), let end = Int(parts[1]), start <= end {
            let width = parts[0].hasPrefix("0") && parts[0].count > 1 ? parts[0].count : 0
            for number in stride(from: start, through: end, by: step) {
                let digits = String(number)
                middles.append(String(repeating: "0", count: max(0, width - digits.count)) + digits)
            }
        } else if parts[0].count == 1, parts[1].count == 1,
                  let start = parts[0].unicodeScalars.first?.value, let end = parts[1].unicodeScalars.first?.value,
                  start <= end {
            for code in stride(from: start, through: end, by: step) {
                if let scalar = Unicode.Scalar(code) { middles.append(String(Character(scalar))) }
            }
        } else {
            return [pattern]
        }
        return middles.flatMap { middle in expand(tail).map { head + middle + $0 } }
    }
}
