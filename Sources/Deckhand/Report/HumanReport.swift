import Foundation
import Jinja
import OrderedCollections

/// The familiar ansible-playbook output: PLAY / TASK banners, one line per host, PLAY RECAP.
public final class HumanReport: RunReporter, @unchecked Sendable {
    private let lock = NSLock()
    private let write: @Sendable (String) -> Void
    private let colours: Bool
    private let interactive: Bool
    private let verbosity: Int
    private var progress: (task: TaskInfo, done: Int)?
    private var progressShown = false

    /// `write` receives finished lines; colours and the progress line only when `terminal` is true.
    public init(verbosity: Int = 0, terminal: Bool, write: @escaping @Sendable (String) -> Void) {
        self.verbosity = verbosity
        self.interactive = terminal
        self.colours = terminal && TerminalCapabilities.coloursWanted()
        self.write = write
    }

    /// Output to stdout, with colours when stdout is a terminal and NO_COLOR is unset.
    public static func standardOutput(verbosity: Int) -> HumanReport {
        HumanReport(verbosity: verbosity, terminal: isatty(STDOUT_FILENO) == 1) { text in
            StandardOutput.write(text)
        }
    }

    public func finish() {}

    public func record(_ event: RunEvent) {
        lock.withLock { handle(event) }
    }

    private func banner(_ title: String) -> String {
        let width = 79
        return title + " " + String(repeating: "*", count: max(3, width - title.count - 1))
    }

    /// `text` with a host's control characters escaped, on a terminal and off it alike: a log file or a CI
    /// page read later on a terminal must not obey them either.
    private func shown(_ text: String) -> String {
        TerminalText.escaped(text)
    }

    /// `text` shown, in colour `code` when colours are on.
    private func paint(_ text: String, _ code: String) -> String {
        colours ? "\u{1B}[\(code)m\(shown(text))\u{1B}[0m" : shown(text)
    }

    private func emit(_ text: String) {
        clearProgress()
        write(text + "\n")
    }

    private func clearProgress() {
        if progressShown {
            write("\r\u{1B}[K")
            progressShown = false
        }
    }

    private func handle(_ event: RunEvent) {
        switch event {
        case .playStart(let name, _, let checkMode):
            emit("\n" + shown(banner("PLAY [\(name)]" + (checkMode ? " (check mode)" : ""))))
        case .taskStart(let task):
            emit("\n" + shown(banner((task.isHandler ? "RUNNING HANDLER [" : "TASK [") + task.name + "]")))
            if verbosity >= 2, let location = task.location { emit(shown("task path: \(location)")) }
            progress = (task, 0)
        case .hostDone(let task, _):
            guard interactive, task.hostCount > 1, var current = progress else { return }
            current.done += 1
            progress = current
            clearProgress()
            write(paint("  \(current.done)/\(task.hostCount) hosts done", "2"))
            progressShown = true
        case .hostResult(let task, let result):
            progress = nil
            emitResult(task, result)
        case .notice(let text):
            emit(paint(text, "36"))
        case .warning(let text):
            emit(paint("[WARNING]: " + text, "35"))
        case .recap(let stats, let duration):
            emit("\n" + banner("PLAY RECAP"))
            for (host, counts) in stats {
                let colour = counts.failed > 0 || counts.unreachable > 0 ? "31" : counts.changed > 0 ? "33" : "32"
                let name = paint(host, colour).padding(toLength: max(26, host.count) + (colours ? 9 : 0), withPad: " ", startingAt: 0)
                let fields = [("ok", counts.ok), ("changed", counts.changed), ("unreachable", counts.unreachable),
                              ("failed", counts.failed), ("skipped", counts.skipped), ("rescued", counts.rescued),
                              ("ignored", counts.ignored)]
                emit("\(name) : " + fields.map { key, value in
                    "\(key)=\(value)".padding(toLength: key.count + 5, withPad: " ", startingAt: 0)
                }.joined(separator: " ").trimmingCharacters(in: .whitespaces))
            }
            emit(String(format: "\ntotal time: %.2fs", duration))
        }
    }

    private func label(_ status: TaskStatus, ignored: Bool) -> (String, String) {
        switch status {
        case .ok: return ("ok", "32")
        case .changed: return ("changed", "33")
        case .skipped: return ("skipping", "36")
        case .failed: return (ignored ? "failed" : "failed", "31")
        case .unreachable: return ("unreachable", "31")
        }
    }

    private func hostTag(_ result: HostTaskResult) -> String {
        result.delegatedTo.map { "[\(result.host) -> \($0)]" } ?? "[\(result.host)]"
    }

    private func emitResult(_ task: TaskInfo, _ result: HostTaskResult) {
        if verbosity >= 2 {
            for (index, command) in result.commands.enumerated() {
                emit(paint("<\(result.host)> \(command)", "34"))
                if verbosity >= 3, index < result.outputs.count, !result.outputs[index].isEmpty {
                    emit(shown(result.outputs[index].splitLines.map { "    " + $0 }.joined(separator: "\n")))
                }
            }
        }
        for item in result.items {
            let (word, colour) = label(item.status, ignored: false)
            var line = "\(word): \(hostTag(result)) => (item=\(item.label))"
            if item.status == .failed { line += " " + failureText(item.result, task: task, indent: "    ") }
            else if verbosity >= 1 { line += " " + compactJSON(item.result) }
            emit(paint(line, colour))
        }
        for diff in result.diffs {
            if diff.hidden {
                emit("--- \(diff.beforeHeader)\n+++ \(diff.afterHeader)\n(changed; diff hidden: no_log)")
                continue
            }
            let text = UnifiedDiff.render(before: diff.before, after: diff.after,
                                          beforeHeader: diff.beforeHeader, afterHeader: diff.afterHeader)
            if !text.isEmpty {
                emit(text.splitLines.map { line in
                    line.hasPrefix("+") && !line.hasPrefix("+++") ? paint(line, "32")
                        : line.hasPrefix("-") && !line.hasPrefix("---") ? paint(line, "31") : shown(line)
                }.joined(separator: "\n"))
            }
        }
        let (word, colour) = label(result.status, ignored: result.ignored)
        var line = "\(word): \(hostTag(result))"
        if verbosity >= 1 && result.status != .skipped { line += String(format: " (%.2fs)", result.duration) }
        switch result.status {
        case .failed:
            line += " => " + failureText(result.result, task: task, indent: "    ", location: result.location)
            if result.ignored { line += "\n...ignoring" }
        case .unreachable:
            line += " => " + (result.msg ?? "unreachable")
            line += "\n    Check that the host is up and reachable over SSH (try: deckhand ping \(result.host))."
        default:
            if task.showsResult, !task.noLog, result.status != .skipped {
                let shown = result.result.filter { !["changed", "failed", "skipped"].contains($0.key) }
                if !shown.isEmpty { line += " => " + shown.map { "\($0.key): \(prettyValue($0.value))" }.joined(separator: "\n") }
            } else if verbosity >= 1 {
                line += " => " + compactJSON(result.result)
            }
        }
        if !result.items.isEmpty && result.status != .failed && verbosity == 0 { return }
        emit(paint(line, colour))
    }

    /// msg, command, rc, stderr and where the task is written, one per line.
    private func failureText(_ result: OrderedDictionary<String, Value>, task: TaskInfo, indent: String,
                             location: SourceLocation? = nil) -> String {
        var lines: [String] = []
        if case .string(let msg)? = result["msg"] { lines.append(msg) } else if result["censored"] != nil {
            lines.append(result["censored"]?.displayText ?? "")
        } else { lines.append("the task failed") }
        // assert: which condition was false (Ansible's result names it; "Assertion failed" alone does not).
        if case .string(let assertion)? = result["assertion"] { lines.append(indent + "assertion: " + assertion) }
        if let cmd = result["cmd"] { lines.append(indent + "command: " + cmd.displayText) }
        if let rc = result["rc"] { lines.append(indent + "rc: " + rc.displayText) }
        if case .string(let stderr)? = result["stderr"], !stderr.isEmpty {
            lines.append(indent + "stderr: " + stderr.splitLines.joined(separator: "\n" + indent + "        "))
        }
        if verbosity >= 1, case .string(let stdout)? = result["stdout"], !stdout.isEmpty {
            lines.append(indent + "stdout: " + stdout.splitLines.joined(separator: "\n" + indent + "        "))
        }
        if let location = location ?? task.location { lines.append(indent + "task: \(task.name) at \(location)") }
        return lines.joined(separator: "\n")
    }

    private func prettyValue(_ value: Value) -> String {
        switch value {
        case .string(let text): return text
        default: return value.jsonText
        }
    }

    private func compactJSON(_ result: OrderedDictionary<String, Value>) -> String {
        Value.dict(result).jsonText
    }
}
