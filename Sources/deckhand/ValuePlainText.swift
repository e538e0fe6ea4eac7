import Jinja

extension Value {
    /// The value as one line of text for the user.
    var plainText: String {
        switch self {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .none: return ""
        case .list(let items): return items.map(\.plainText).joined(separator: ", ")
        default: return "\(self)"
        }
    }
}
