import Foundation

/// `--profile`: how long each task took (its slowest host), and the slowest tasks once the run ends, as
/// Ansible's profile_tasks callback lists them. Wraps the report the user sees and passes every event on.
public final class TaskProfile: RunReporter, @unchecked Sendable {
    /// One task as it ran (a task run twice, in two plays or as a handler, is two entries).
    public struct Entry: Sendable {
        public var task: String
        public var location: SourceLocation?
        public var seconds: TimeInterval
    }

    /// Where the summary goes relative to the recap: after it for people, before it in JSON (the recap and the
    /// outcome stay the last lines a program reads).
    public enum Placement: Sendable {
        case beforeRecap, afterRecap
    }

    private let lock = NSLock()
    private let inner: RunReporter
    private let placement: Placement
    private let limit: Int
    private let present: @Sendable ([Entry]) -> Void
    private var entries: [Entry] = []

    /// `present` receives the `limit` slowest tasks, slowest first, once the recap arrives.
    public init(wrapping inner: RunReporter, limit: Int = 20, placement: Placement,
                present: @escaping @Sendable ([Entry]) -> Void) {
        self.inner = inner
        self.limit = limit
        self.placement = placement
        self.present = present
    }

    public func record(_ event: RunEvent) {
        switch event {
        case .taskStart(let task):
            lock.withLock { entries.append(Entry(task: task.name, location: task.location, seconds: 0)) }
        case .hostResult(let task, let result):
            lock.withLock {
                guard let index = entries.lastIndex(where: { $0.task == task.name }) else { return }
                entries[index].seconds = max(entries[index].seconds, result.duration)
            }
        case .recap:
            if placement == .beforeRecap { present(slowest) }
            inner.record(event)
            if placement == .afterRecap { present(slowest) }
            return
        default:
            break
        }
        inner.record(event)
    }

    public func finish() { inner.finish() }

    /// The `limit` slowest tasks so far, slowest first (ties in the order they ran).
    public var slowest: [Entry] {
        let all = lock.withLock { entries }
        return Array(all.enumerated().sorted { left, right in
            left.element.seconds != right.element.seconds ? left.element.seconds > right.element.seconds
                : left.offset < right.offset
        }.map(\.element).prefix(limit))
    }

    /// The summary as people read it: a banner, then `name (where) ---- 1.23s` per task.
    public static func text(_ entries: [Entry]) -> String {
        let width = 79
        let title = "PROFILE: the \(entries.count) slowest task\(entries.count == 1 ? "" : "s")"
        var lines = ["", title + " " + String(repeating: "*", count: max(3, width - title.count - 1))]
        for entry in entries {
            // The file's name and line: the full path would push most names off an 80-column line.
            let name = TerminalText.escaped(entry.task)
                + (entry.location.map { " (\(($0.file as NSString).lastPathComponent):\($0.line))" } ?? "")
            let seconds = String(format: "%.2fs", entry.seconds)
            let dashes = String(repeating: "-", count: max(3, width - name.count - seconds.count - 2))
            lines.append("\(name) \(dashes) \(seconds)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
