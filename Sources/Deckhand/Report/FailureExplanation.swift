import Foundation
import Jinja
import OrderedCollections

/// What the compact report says under a failed step: on which host, the error, the command with the last lines
/// it printed, where the task is written, and what to do. Text from the host is escaped for the terminal.
enum FailureExplanation {
    /// How many of the last lines of a command's stderr and stdout are shown.
    static let tailLines = 10

    /// The lines under the step, indented by two spaces (no trailing newline).
    static func lines(for result: HostTaskResult, task: TaskInfo) -> [String] {
        let host = TerminalText.escaped(result.host)
        if result.status == .unreachable {
            return ["  \(host): could not reach the host: " + TerminalText.escaped(result.msg ?? "unreachable"),
                    "  what to do: check that \(host) is up and reachable over SSH (try: deckhand ping \(host)), "
                        + "then run the same command again"]
        }
        // A loop's failure is the failed item's: its message and command, not the loop's summary.
        let failedItem = result.items.first { $0.status == .failed }
        let fields = failedItem?.result ?? result.result
        var lines: [String] = []
        var message = (text(fields["msg"]) ?? text(fields["censored"]) ?? "the task failed")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if let item = failedItem { message += " (item: \(item.label))" }
        lines.append("  \(host): " + TerminalText.escaped(message).replacingOccurrences(of: "\n", with: "\n    "))
        if let command = fields["cmd"].map(\.displayText), !command.isEmpty {
            lines.append("    command: " + TerminalText.escaped(command))
        }
        if let rc = fields["rc"] { lines.append("    exit status: " + rc.displayText) }
        for stream in ["stderr", "stdout"] {
            guard let output = text(fields[stream]), !output.isEmpty else { continue }
            let all = output.splitLines
            let shown = all.suffix(tailLines)
            lines.append("    " + (all.count > shown.count ? "last \(shown.count) lines of \(stream):" : "\(stream):"))
            lines += shown.map { "      " + TerminalText.escaped($0) }
        }
        if let location = result.location ?? task.location {
            lines.append("    task: " + TerminalText.escaped(task.name) + " at \(location)")
        }
        lines.append("  what to do: fix what the error above names, then run the same command again; "
            + "add -v to see every task's full result (-vvv: the commands and their output)")
        return lines
    }

    private static func text(_ value: Value?) -> String? {
        guard let value, value != .none else { return nil }
        return value.displayText
    }
}
