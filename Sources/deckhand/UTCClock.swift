import Foundation

/// Times in the final lines, always UTC (hosts and users are in different zones).
enum UTCClock {
    static func hoursMinutes(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "HH:mm"
        return formatter.string(from: date)
    }
}
