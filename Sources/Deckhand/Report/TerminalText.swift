/// Text from a host made harmless for a terminal: control characters a host prints (escape sequences that
/// recolour, move the cursor, retitle the window or rewrite what was shown; a lone carriage return; bidi
/// overrides) are shown as `\x1b`-style escapes instead of being obeyed. Newlines and tabs stay.
public enum TerminalText {
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            let endsLine = scalar == "\r" && index + 1 < scalars.count && scalars[index + 1] == "\n"
            if !isControl(scalar) || endsLine {
                result.append(scalar)
                continue
            }
            let hex = String(scalar.value, radix: 16)
            let escape = scalar.value <= 0xFF ? "\\x" + (hex.count == 1 ? "0" + hex : hex) : "\\u{\(hex)}"
            result.append(contentsOf: escape.unicodeScalars)
        }
        return String(result)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A: return false
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
