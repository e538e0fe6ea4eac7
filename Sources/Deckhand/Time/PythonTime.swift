import Foundation

/// Times as Ansible's results print them, which is Python's str() of a datetime and a timedelta.
enum PythonTime {
    /// A local time: `2024-05-01 12:30:00.123456`.
    static func dateTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let microseconds = Int((date.timeIntervalSince1970 * 1_000_000).rounded()) % 1_000_000
        return formatter.string(from: date) + String(format: ".%06d", microseconds)
    }

    /// A duration: `0:00:01.003456` (hours unpadded, the fraction left out when it is zero).
    static func timedelta(_ seconds: TimeInterval) -> String {
        let total = Int((max(0, seconds) * 1_000_000).rounded())
        let whole = total / 1_000_000, fraction = total % 1_000_000
        let days = whole / 86400, rest = whole % 86400
        var text = String(format: "%d:%02d:%02d", rest / 3600, rest / 60 % 60, rest % 60)
        if fraction != 0 { text += String(format: ".%06d", fraction) }
        if days > 0 { text = "\(days) day\(days == 1 ? "" : "s"), " + text }
        return text
    }
}
