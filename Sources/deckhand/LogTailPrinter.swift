import Deckhand
import Foundation
import Jinja

/// Writes the lines of a running `logs tail` as they arrive (on the connection's thread) with their prefixes.
final class LogTailPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private var reader: LogTailReader
    private var selection: LogLineSelection
    private let prefix: LogLinePrefix
    private let follow: Bool
    private let stage: String
    /// On a terminal a log line's control characters are shown escaped, not obeyed (logs hold what clients sent).
    private let escapesControls = isatty(STDOUT_FILENO) == 1
    private var stopAction: (@Sendable () -> Void)?
    private var stopRequested = false
    /// --output json: each line as {"event": "log", "log": ..., "line": ...}.
    private let json: Bool

    init(tail: LogTail, selection: LogLineSelection, stage: String, colours: Bool, json: Bool = false) {
        reader = LogTailReader(logs: tail.logs)
        self.selection = selection
        prefix = LogLinePrefix(logs: tail.logs, colours: colours)
        follow = tail.follow
        self.stage = stage
        self.json = json
    }

    /// True once Ctrl-C was pressed or stdout went away (`| head`): the end the user asked for.
    var stopped: Bool { lock.withLock { stopRequested } }

    func onStop(_ action: @escaping @Sendable () -> Void) {
        let runNow = lock.withLock { () -> Bool in
            stopAction = action
            return stopRequested
        }
        if runNow { action() }
    }

    /// Ends the run; false when nothing is running yet to end.
    @discardableResult
    func stop() -> Bool {
        let action = lock.withLock { () -> (@Sendable () -> Void)? in
            stopRequested = true
            return stopAction
        }
        action?()
        return action != nil
    }

    func receive(_ data: Data, from stream: CommandStream) {
        let events = lock.withLock {
            selection.select(stream == .stdout ? reader.readOutput(data) : reader.readErrors(data))
        }
        show(events)
    }

    func finish() {
        show(lock.withLock { selection.select(reader.finish()) + selection.finish() })
    }

    func succeeded(exitStatus: Int32) -> Bool {
        lock.withLock { reader.succeeded(exitStatus: exitStatus) }
    }

    private func show(_ events: [LogTailEvent]) {
        guard !events.isEmpty else { return }
        var text = ""
        for event in events {
            switch event {
            case .line(let log, let line) where json:
                text += JSONReport.line([("event", .string("log")), ("log", log.map { .string($0.label) } ?? .none), ("line", .string(line))])
            case .line(let log, let line):
                text += prefix.format(log, escapesControls ? TerminalText.escaped(line) : line) + "\n"
            case .missing(let log):
                let later = follow ? "; following it once it appears" : ""
                Terminal.error("\(stage): \(log.label): \(log.path) does not exist yet\(later)")
            case .notice(let log, let message):
                Terminal.error("\(stage): " + (log.map { "\($0.label): " } ?? "") + message)
            }
        }
        if !text.isEmpty && !Terminal.write(Data(text.utf8), to: STDOUT_FILENO) {
            stop()
        }
    }
}
