import Foundation

/// A length of time as a user types it on the command line: a number and a unit, or several in a row
/// (`90s`, `15m`, `2h`, `1d`, `1h30m`). What `logs tail --since` and `maintenance on --until` read.
public struct TimeSpan: Sendable, Hashable, CustomStringConvertible {
    public let seconds: Int

    static let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]

    /// Reads `text`; an error shows the forms accepted.
    public init(_ text: String) throws {
        var total = 0
        var digits = ""
        var sawUnit = false
        for character in text {
            if character.isASCII && character.isNumber {
                digits.append(character)
            } else if let unit = Self.units[character], !digits.isEmpty, digits.count <= 6, let number = Int(digits) {
                total += number * unit
                digits = ""
                sawUnit = true
            } else {
                throw TimeSpanError(text)
            }
        }
        guard digits.isEmpty, sawUnit, total > 0 else { throw TimeSpanError(text) }
        seconds = total
    }

    public var description: String {
        var rest = seconds
        var text = ""
        for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }
}

/// A time span that is none of the forms `TimeSpan` reads.
public struct TimeSpanError: Error, CustomStringConvertible, Sendable {
    public var description: String

    init(_ text: String) {
        description = "'\(text)' is no length of time: give a number and a unit s, m, h or d (90s, 15m, 2h, 1d, 1h30m)"
    }
}
