import Foundation
import Jinja

/// What a verb shows on a terminal: the running step on one line with a spinner and its elapsed time, each
/// finished step collapsed to a tick and its duration (steps every host skipped vanish), a failed step with the
/// error, the command's last lines and what to do. Only this report's own codes (carriage return, erase line,
/// colours) reach the terminal: task names and everything a host says pass through `TerminalText` first.
public final class LiveProgress: RunReporter, @unchecked Sendable {
    private let lock = NSLock()
    private let write: @Sendable (String) -> Void
    private let colours: Bool
    private let width: Int
    private var running: Step?
    private var lineShown = false
    private var frame = 0
    private var timer: DispatchSourceTimer?

    private struct Step {
        var task: TaskInfo
        var started: Date
        var ended: Date?
        var hostsDone = 0
        var results: [HostTaskResult] = []
    }

    private static let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    /// `width` is the terminal's (the spinner line is cut to it so a redraw never wraps); `write` receives text
    /// with this report's control codes in it.
    public init(colours: Bool, width: Int, write: @escaping @Sendable (String) -> Void) {
        self.colours = colours
        self.width = max(20, width)
        self.write = write
    }

    /// To stdout (a terminal), coloured unless NO_COLOR is set.
    public static func standardOutput() -> LiveProgress {
        LiveProgress(colours: TerminalCapabilities.coloursWanted(), width: TerminalCapabilities.columns(STDOUT_FILENO)) {
            StandardOutput.write($0)
        }
    }

    public func record(_ event: RunEvent) {
        lock.withLock { handle(event) }
    }

    public func finish() {
        let stopped: DispatchSourceTimer? = lock.withLock {
            closeStep()
            defer { timer = nil }
            return timer
        }
        stopped?.cancel()
    }

    private func handle(_ event: RunEvent) {
        switch event {
        case .playStart(let name, _, let checkMode):
            closeStep()
            emit(paint("▸ " + TerminalText.escaped(name) + (checkMode ? " (check mode: nothing is changed)" : ""), "1"))
        case .taskStart(let task):
            closeStep()
            running = Step(task: task, started: Date())
            startTimer()
            draw()
        case .hostDone:
            running?.hostsDone += 1
            draw()
        case .hostResult(_, let result):
            guard running != nil else { return }
            if running?.ended == nil { running?.ended = Date() }
            running?.results.append(result)
        case .notice(let text):
            // Which file an include loaded is the stream's business (-v), not a step.
            if text.hasPrefix("included: ") { return }
            closeStep()
            emit(paint(TerminalText.escaped(text), "36"))
        case .warning(let text):
            clearLine()
            emit(paint("[WARNING]: " + TerminalText.escaped(text), "35"))
            draw()
        case .recap:
            // The verb's own outcome line says how it ended.
            closeStep()
        }
    }

    /// The running step's line, redrawn in place.
    private func draw() {
        guard let step = running, step.ended == nil else { return }
        let symbol = Self.spinner[frame % Self.spinner.count]
        var tail = "  " + Self.duration(Date().timeIntervalSince(step.started))
        if step.task.hostCount > 1 { tail += "  \(step.hostsDone)/\(step.task.hostCount) hosts" }
        let name = fitted(label(step.task), room: width - 3 - tail.count)
        write("\r\u{1B}[K" + paint(symbol, "36") + " " + name + paint(tail, "2"))
        lineShown = true
    }

    /// Ends the running step: its line becomes a tick (or a cross and the explanation), or goes when skipped.
    private func closeStep() {
        guard let step = running else { return }
        running = nil
        clearLine()
        let results = step.results
        let seconds = Self.duration((step.ended ?? Date()).timeIntervalSince(step.started))
        let name = label(step.task)
        let failures = results.filter { ($0.status == .failed && !$0.ignored) || $0.status == .unreachable }
        if !failures.isEmpty {
            emit(paint("✗ " + name, "31") + paint("  " + seconds, "2"))
            for failure in failures { emit(FailureExplanation.lines(for: failure, task: step.task).joined(separator: "\n")) }
            return
        }
        guard results.contains(where: { $0.status != .skipped }) else { return }
        let changed = results.filter { $0.status == .changed }.count
        let ignored = results.filter { $0.status == .failed && $0.ignored }.count
        var line = paint("✓", changed > 0 ? "33" : "32") + " " + name + paint("  " + seconds, "2")
        if changed > 0 { line += paint(results.count > 1 ? "  changed on \(changed)" : "  changed", "33") }
        if ignored > 0 { line += paint("  failed, ignored", "35") }
        emit(line)
        if step.task.showsResult && !step.task.noLog {
            for result in results where result.status != .skipped { shownResult(result, hosts: results.count) }
        }
    }

    /// What a task that shows its result (debug) said, under its tick: it is what the playbook meant to show.
    /// A list is one item per line (status's screen, the backups), text as it is; a dict is a structured
    /// outcome for the verb's own line and JSON, not for reading here.
    private func shownResult(_ result: HostTaskResult, hosts: Int) {
        let prefix = hosts > 1 ? "  " + TerminalText.escaped(result.host) + ": " : "  "
        for (key, value) in result.result where !["changed", "failed", "skipped", "_ansible_verbose_always"].contains(key) {
            let named = key == "msg" ? "" : key + ": "
            let lines: [String]
            switch value {
            case .list(let items): lines = items.map(\.displayText)
            case .string(let text): lines = (named + text).splitLines
            case .dict: lines = []
            default: lines = [named + value.displayText]
            }
            if !lines.isEmpty { emit(lines.map { prefix + TerminalText.escaped($0) }.joined(separator: "\n")) }
        }
    }

    private func label(_ task: TaskInfo) -> String {
        (task.isHandler ? "handler: " : "") + TerminalText.escaped(task.name)
    }

    private func startTimer() {
        guard timer == nil else { return }
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            self.lock.withLock {
                self.frame += 1
                self.draw()
            }
        }
        timer.resume()
        self.timer = timer
    }

    private func emit(_ text: String) {
        clearLine()
        write(text + "\n")
    }

    private func clearLine() {
        guard lineShown else { return }
        write("\r\u{1B}[K")
        lineShown = false
    }

    private func paint(_ text: String, _ code: String) -> String {
        colours ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// `text` cut to `room` characters, an ellipsis marking the cut.
    private func fitted(_ text: String, room: Int) -> String {
        guard text.count > room else { return text }
        return room <= 1 ? "" : String(text.prefix(room - 1)) + "…"
    }

    /// 0.4s, 12.3s, 2m05s.
    static func duration(_ seconds: TimeInterval) -> String {
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let whole = Int(seconds.rounded())
        return String(format: "%dm%02ds", whole / 60, whole % 60)
    }
}
