import Foundation

/// When a maintenance window is expected to end (`maintenance on --until TIME`), shown on the page and by
/// `maintenance status`. Always UTC, so the page says the same to every visitor whatever their clock.
///
/// Accepted: a time of day `HH:MM` (UTC; the next one to come, so 00:30 typed at 23:00 is tomorrow's), a date
/// and time `YYYY-MM-DD HH:MM` or `YYYY-MM-DDTHH:MM[:SS]` (UTC, or with `Z` or an offset such as `+01:00`), or
/// a span from now (`45m`, `2h`, `1h30m`). A time already past is refused.
public struct MaintenanceEnd: Sendable, Hashable {
    public let date: Date

    public init(_ text: String, now: Date = Date()) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let span = try? TimeSpan(trimmed) {
            date = now.addingTimeInterval(TimeInterval(span.seconds))
            return
        }
        if let time = Self.timeOfDay(trimmed, now: now) {
            date = time
            return
        }
        guard let parsed = Self.dateTime(trimmed) else {
            throw MaintenanceEndError(text, "give HH:MM (UTC), YYYY-MM-DD HH:MM (UTC), an ISO 8601 time with Z or an offset, or a span such as 45m or 2h")
        }
        guard parsed > now else {
            throw MaintenanceEndError(text, "that time has passed (it is \(Self.format(now)) now)")
        }
        date = parsed
    }

    /// `2026-12-03 10:30 UTC`: what the page and status show.
    public var text: String { Self.format(date) }

    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }

    private static func timeOfDay(_ text: String, now: Date) -> Date? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let hour = Int(parts[0]), let minute = Int(parts[1]), hour < 24, minute < 60 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var day = calendar.dateComponents([.year, .month, .day], from: now)
        day.hour = hour
        day.minute = minute
        guard let today = calendar.date(from: day) else { return nil }
        return today > now ? today : calendar.date(byAdding: .day, value: 1, to: today)
    }

    private static func dateTime(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.isLenient = false
        let formats = ["yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss",
                       "yyyy-MM-dd'T'HH:mmXXXXX", "yyyy-MM-dd'T'HH:mm:ssXXXXX", "yyyy-MM-dd HH:mmXXXXX",
                       "yyyy-MM-dd HH:mm:ssXXXXX"]
        for format in formats {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}

/// An `--until` that is no time deckhand reads, or one already past.
public struct MaintenanceEndError: Error, CustomStringConvertible, Sendable {
    public var description: String

    init(_ text: String, _ reason: String) {
        description = "--until '\(text)': \(reason)"
    }
}
