import Foundation

/// The time a log line was written, read from the line itself, for `logs tail --since`. The app's logs stamp
/// their lines in three ways: a date and time (`2026-12-03 08:47:58 +0000` gunicorn, `2026/12/03 08:47:58`
/// nginx's error log, ISO 8601 from Python's logging), nginx's access log format
/// (`[03/Dec/2026:08:47:58 +0000]`), or a time of day alone at the start (`08:47:58` RQ). A time without a zone
/// is UTC (a web host's clock, as deckhand's own records); a time of day alone is today's, or yesterday's when
/// that would be in the future.
public enum LogLineTime {
    /// Only the first characters are searched: a stamp is near the start, and a long line costs nothing more.
    static let searchedLength = 80

    private static let dateTime = try! NSRegularExpression(
        pattern: #"(\d{4})[-/](\d{2})[-/](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)?(?: ?(Z|[+-]\d{2}:?\d{2}))?"#)
    private static let accessLog = try! NSRegularExpression(
        pattern: #"(\d{2})/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?: ([+-]\d{4}))?"#)
    private static let timeOfDay = try! NSRegularExpression(pattern: #"^(\d{2}):(\d{2}):(\d{2})\b"#)
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The line's time, nil when it carries none (a traceback's lines, a continuation).
    public static func of(_ line: String, now: Date = Date()) -> Date? {
        let head = String(line.prefix(searchedLength))
        let range = NSRange(head.startIndex..., in: head)
        func group(_ match: NSTextCheckingResult, _ index: Int) -> String? {
            Range(match.range(at: index), in: head).map { String(head[$0]) }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        if let match = dateTime.firstMatch(in: head, range: range) {
            let numbers = (1...6).compactMap { group(match, $0).flatMap { Int($0) } }
            guard numbers.count == 6 else { return nil }
            return date(numbers, zone: group(match, 7), calendar: calendar)
        }
        if let match = accessLog.firstMatch(in: head, range: range),
           let monthName = group(match, 2), let month = months.firstIndex(of: monthName) {
            let fields = [3, 1, 4, 5, 6].compactMap { group(match, $0).flatMap { Int($0) } }
            guard fields.count == 5 else { return nil }
            return date([fields[0], month + 1, fields[1], fields[2], fields[3], fields[4]], zone: group(match, 7),
                        calendar: calendar)
        }
        if let match = timeOfDay.firstMatch(in: head, range: range) {
            let clock = (1...3).compactMap { group(match, $0).flatMap { Int($0) } }
            guard clock.count == 3 else { return nil }
            let today = calendar.dateComponents([.year, .month, .day], from: now)
            guard let time = date([today.year ?? 1970, today.month ?? 1, today.day ?? 1] + clock, zone: nil,
                                  calendar: calendar) else { return nil }
            return time > now.addingTimeInterval(60) ? time.addingTimeInterval(-86400) : time
        }
        return nil
    }

    /// year, month, day, hour, minute, second in `zone` (Z, +0100, +01:00; nil = UTC).
    private static func date(_ numbers: [Int], zone: String?, calendar: Calendar) -> Date? {
        var components = DateComponents(year: numbers[0], month: numbers[1], day: numbers[2],
                                        hour: numbers[3], minute: numbers[4], second: numbers[5])
        components.timeZone = TimeZone(identifier: "UTC")
        guard (1...12).contains(numbers[1]), (1...31).contains(numbers[2]), numbers[3] < 24, numbers[4] < 60,
              numbers[5] < 61, let utc = calendar.date(from: components) else { return nil }
        return utc.addingTimeInterval(-TimeInterval(offsetSeconds(zone)))
    }

    private static func offsetSeconds(_ zone: String?) -> Int {
        guard let zone, zone != "Z", let sign = zone.first else { return 0 }
        let digits = zone.dropFirst().filter(\.isNumber)
        guard digits.count == 4, let hours = Int(digits.prefix(2)), let minutes = Int(digits.suffix(2)) else { return 0 }
        return (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
    }
}
