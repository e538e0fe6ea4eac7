/// The `gunicorn    | ` in front of each line of `logs tail`: the log's label padded to the longest one of the
/// run, so the lines start in one column, and coloured (one colour per log) when writing to a terminal.
public struct LogLinePrefix: Sendable {
    private let width: Int
    private let colours: [String: String]

    /// 36 cyan, 32 green, 33 yellow, 35 magenta, 34 blue, 31 red, then the bright ones.
    private static let palette = ["36", "32", "33", "35", "34", "31", "96", "92", "93", "95", "94", "91"]

    public init(logs: [AppLog], colours useColours: Bool) {
        width = logs.map(\.label.count).max() ?? 0
        var colours: [String: String] = [:]
        if useColours {
            for (index, log) in logs.enumerated() where colours[log.label] == nil {
                colours[log.label] = Self.palette[index % Self.palette.count]
            }
        }
        self.colours = colours
    }

    /// `line` with its log's prefix; a line of no known log (never from GNU tail) gets `?`.
    public func format(_ log: AppLog?, _ line: String) -> String {
        let label = log?.label ?? "?"
        let padded = label + String(repeating: " ", count: max(0, width - label.count))
        guard let colour = colours[label] else { return padded + " | " + line }
        return "\u{1B}[\(colour)m\(padded) |\u{1B}[0m " + line
    }
}
