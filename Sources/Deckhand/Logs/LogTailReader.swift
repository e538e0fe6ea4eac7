import Foundation

/// One piece of what the remote `tail` said, attributed to its log.
public enum LogTailEvent: Sendable, Hashable {
    /// A line of a log, without its newline. `log` is nil only for output before the first header.
    case line(AppLog?, String)
    /// The log file does not exist (with -F tail picks it up once it appears).
    case missing(AppLog)
    /// Anything else said on stderr: a log replaced or truncated, permission denied, sudo's complaint.
    case notice(AppLog?, String)
}

/// Reads `LogTail`'s output back into lines per log, from chunks cut anywhere (mid-line, mid-character).
///
/// tail announces each switch of file with `==> PATH <==` after an empty line (none before the first). Only
/// headers naming a log it was given count, so a log line that looks like a header cannot steal the lines
/// after it. An empty log line is held until the next line shows whether it was the separator before a
/// header; while following, it appears when the next line arrives.
public struct LogTailReader: Sendable {
    private let logsByPath: [String: AppLog]
    /// Longest first: a message naming /logs/app.log.1 is about that file, not /logs/app.log.
    private let pathsLongestFirst: [String]
    private var current: AppLog?
    private var heldEmptyLine = false
    private var output: [UInt8] = []
    private var errors: [UInt8] = []

    /// The logs tail could not open because they do not exist, in the order it said so.
    public private(set) var missing: [AppLog] = []
    /// What was said on stderr other than missing files and tail -F's news (appeared, replaced, truncated…).
    public private(set) var problems: [String] = []

    /// Longer partial lines are passed on as they are, so a log without newlines cannot fill the memory.
    static let maximumLineLength = 64 * 1024

    public init(logs: [AppLog]) {
        var byPath: [String: AppLog] = [:]
        for log in logs where byPath[log.path] == nil { byPath[log.path] = log }
        logsByPath = byPath
        pathsLongestFirst = byPath.keys.sorted { $0.count > $1.count }
    }

    /// The events of the next chunk of stdout.
    public mutating func readOutput(_ chunk: Data) -> [LogTailEvent] {
        output.append(contentsOf: chunk)
        var events: [LogTailEvent] = []
        for line in Self.completeLines(&output) {
            take(String(decoding: line, as: UTF8.self), into: &events)
        }
        return events
    }

    /// The events of the next chunk of stderr (the watchdog's empty lines are dropped).
    public mutating func readErrors(_ chunk: Data) -> [LogTailEvent] {
        errors.append(contentsOf: chunk)
        var events: [LogTailEvent] = []
        for line in Self.completeLines(&errors) {
            if let event = notice(String(decoding: line, as: UTF8.self)) { events.append(event) }
        }
        return events
    }

    /// The rest once the command ended: a last line without a newline, an empty line still held.
    public mutating func finish() -> [LogTailEvent] {
        var events: [LogTailEvent] = []
        if heldEmptyLine {
            events.append(.line(current, ""))
            heldEmptyLine = false
        }
        if !output.isEmpty {
            events.append(.line(current, String(decoding: output, as: UTF8.self)))
            output = []
        }
        if !errors.isEmpty, let event = notice(String(decoding: errors, as: UTF8.self)) {
            events.append(event)
        }
        errors = []
        return events
    }

    /// Whether a tail that ended with `exitStatus` did its job: GNU tail exits 1 when a file could not be
    /// read, which a log that does not exist yet (cron.log before the first backup) must not turn into a failure.
    public func succeeded(exitStatus: Int32) -> Bool {
        exitStatus == 0 || (exitStatus == 1 && problems.isEmpty && !missing.isEmpty)
    }

    private mutating func take(_ line: String, into events: inout [LogTailEvent]) {
        if line.hasPrefix("==> "), line.hasSuffix(" <=="), line.count >= 8,
           let log = logsByPath[String(line.dropFirst(4).dropLast(4))] {
            current = log
            heldEmptyLine = false  // the separator tail writes before every header but the first
            return
        }
        if heldEmptyLine {
            events.append(.line(current, ""))
            heldEmptyLine = false
        }
        if line.isEmpty {
            heldEmptyLine = true
        } else {
            events.append(.line(current, line))
        }
    }

    private mutating func notice(_ line: String) -> LogTailEvent? {
        guard !line.isEmpty else { return nil }
        let message = line.hasPrefix("tail: ") ? String(line.dropFirst(6)) : line
        let log = pathsLongestFirst.first { message.contains($0) }.flatMap { logsByPath[$0] }
        if let log, message.hasPrefix("cannot open "), message.hasSuffix(": No such file or directory") {
            if !missing.contains(log) { missing.append(log) }
            return .missing(log)
        }
        // tail -F's news while following: informative, never a reason to fail.
        let news = ["has appeared", "has been replaced", "file truncated", "has become inaccessible",
                    "cannot watch parent directory", "inotify cannot be used"]
        if !news.contains(where: { message.contains($0) }) {
            problems.append(line)
        }
        return .notice(log, message)
    }

    /// Removes the complete lines from the front of `buffer` and returns them without their newlines.
    private static func completeLines(_ buffer: inout [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = buffer.startIndex
        while let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(buffer[start..<newline])
            start = newline + 1
        }
        if buffer.count - start > maximumLineLength {
            lines.append(buffer[start...])
            start = buffer.endIndex
        }
        guard !lines.isEmpty else { return [] }
        let result = lines.map { ArraySlice(Array($0)) }
        buffer.removeSubrange(buffer.startIndex..<start)
        return result
    }
}
