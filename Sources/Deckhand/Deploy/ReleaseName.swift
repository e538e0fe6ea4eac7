import Foundation

/// A release folder's name under releases/: `<UTC YYYYmmddTHHMMSSZ>-<ref>` with every character of the ref
/// outside `A-Za-z0-9._-` replaced by `_` (deploy.yml names them the same way, in shell). Names sort by time.
public struct ReleaseName: Sendable, Hashable, CustomStringConvertible {
    /// When the release was made (whole seconds, UTC).
    public var time: Date
    /// The ref as it appears in the name (already made safe).
    public var ref: String

    public init(time: Date, ref: String) {
        self.time = Date(timeIntervalSince1970: time.timeIntervalSince1970.rounded(.down))
        self.ref = ReleaseName.safe(ref)
    }

    /// Reads a folder name; nil when it is not one deploy.yml writes (e.g. `.partial` leftovers).
    public init?(parsing name: String) {
        let parts = name.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, let time = ReleaseName.parseTime(String(parts[0])),
              ReleaseName.safe(String(parts[1])) == parts[1], !parts[1].hasSuffix(".partial") else { return nil }
        self.time = time
        self.ref = String(parts[1])
    }

    public var description: String { ReleaseName.formatTime(time) + "-" + ref }

    /// The ref with the characters a folder name must not carry replaced by `_` (`feature/x` -> `feature_x`).
    public static func safe(_ ref: String) -> String {
        String(ref.unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", ".", "_", "-": return Character(scalar)
            default: return "_"
            }
        })
    }

    /// `20261122T081500Z` for a UTC time.
    public static func formatTime(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    static func parseTime(_ text: String) -> Date? {
        let digits = Array(text.utf8)
        guard digits.count == 16, digits[8] == UInt8(ascii: "T"), digits[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for byte in digits[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int32(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}
