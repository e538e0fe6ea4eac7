import Foundation

/// Which lines `logs tail --grep PATTERN --since SPAN` shows, applied to what the remote tail sends (the
/// filtering happens here, so the pattern never reaches a shell). A line passes when the pattern matches it and
/// its time (`LogLineTime`) is not older than `since`; a line with no time of its own (a traceback's) has the
/// time of the line above it in its log, and one before any timed line is left out under --since. With `last`,
/// only the last N passing lines of each log are shown, each log's once the tail moves to the next log.
public struct LogLineSelection: @unchecked Sendable {
    /// NSRegularExpression (ICU syntax; grep -E's everyday patterns mean the same). Immutable once made.
    private let pattern: NSRegularExpression?
    private let since: Date?
    private let last: Int?
    /// The date a time of day alone is read against: now, line by line (a follow may pass midnight).
    private let clock: @Sendable () -> Date
    /// Per log (by path): the time of its last timed line.
    private var lastTimes: [String: Date] = [:]
    /// With `last`: the passing lines of the log being read, at most `last`.
    private var held: [String] = []
    private var heldLog: AppLog?
    private var holding = false

    /// Nothing to filter: every line passes unchanged.
    public var isEmpty: Bool { pattern == nil && since == nil }

    /// `grep` is a regular expression (an error says what is wrong with it); `since` how far back from `now`
    /// lines go.
    public init(grep: String? = nil, since: TimeSpan? = nil, last: Int? = nil, now: Date = Date(),
                clock: @escaping @Sendable () -> Date = { Date() }) throws {
        if let grep {
            do {
                pattern = try NSRegularExpression(pattern: grep)
            } catch {
                throw LogLineSelectionError("--grep '\(grep)' is no regular expression deckhand can read (ICU syntax, as grep -E for the usual patterns)")
            }
        } else {
            pattern = nil
        }
        self.since = since.map { now.addingTimeInterval(-TimeInterval($0.seconds)) }
        self.last = last
        self.clock = clock
    }

    /// The events to show now out of `events`: notices always, lines that pass (held back with `last`).
    public mutating func select(_ events: [LogTailEvent]) -> [LogTailEvent] {
        guard !isEmpty else { return events }
        var shown: [LogTailEvent] = []
        for event in events {
            guard case .line(let log, let line) = event else {
                shown.append(event)
                continue
            }
            guard passes(line, in: log) else { continue }
            guard let last else {
                shown.append(event)
                continue
            }
            if holding && heldLog != log { shown += flush() }
            holding = true
            heldLog = log
            held.append(line)
            if held.count > last { held.removeFirst(held.count - last) }
        }
        return shown
    }

    /// The lines still held once the tail ended.
    public mutating func finish() -> [LogTailEvent] {
        flush()
    }

    private mutating func flush() -> [LogTailEvent] {
        defer {
            held = []
            holding = false
        }
        return held.map { .line(heldLog, $0) }
    }

    private mutating func passes(_ line: String, in log: AppLog?) -> Bool {
        if let since {
            let key = log?.path ?? ""
            if let time = LogLineTime.of(line, now: clock()) { lastTimes[key] = time }
            guard let time = lastTimes[key], time >= since else { return false }
        }
        if let pattern {
            return pattern.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil
        }
        return true
    }
}

/// A --grep pattern that is no regular expression.
public struct LogLineSelectionError: Error, CustomStringConvertible, Sendable {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
