import Jinja
import OrderedCollections

/// The values of variables named as secrets (`secret_key`, `database_url`, `*_password`…, plus the names or
/// patterns the user lists in `deckhand_secret_variables`), hidden in everything a task reports: messages,
/// registered output shown, commands (-vv), answers (-vvv), diffs. A value is hidden as written, shell-quoted
/// and JSON-escaped, so a secret holding `'` does not slip out of a quoted command line.
public struct SecretMask: Sendable {
    /// The names (or `*` patterns) treated as secrets unless the user adds more.
    public static let defaultNames = ["secret_key", "database_url", "*_password", "*_pass", "*_token", "*_secret"]
    /// The variable whose list extends `defaultNames`.
    public static let userNamesVariable = "deckhand_secret_variables"
    /// Shorter values would hide ordinary text ("1", "on").
    static let minimumLength = 4
    static let replacement = "********"

    /// Every form of every secret value, longest first (a value containing another is hidden whole).
    private let forms: [String]

    /// The secrets of `scope`: the named variables' values as the task saw them (a template the task did not
    /// render is not rendered for this: its lookups would run for nothing).
    public init(scope: TemplatedScope) {
        var patterns = SecretMask.defaultNames
        if case .list(let extra)? = try? scope.value(named: SecretMask.userNamesVariable) {
            patterns += extra.compactMap { if case .string(let name) = $0 { return name } else { return nil } }
        }
        var values = Set<String>()
        for name in scope.layers.merged.keys where patterns.contains(where: { SecretMask.matches(name, $0) }) {
            for value in scope.knownValues(named: name) {
                switch value {
                case .string(let text): values.insert(text)
                case .int(let number): values.insert(String(number))
                default: break
                }
            }
        }
        var forms = Set<String>()
        for value in values where value.count >= SecretMask.minimumLength {
            forms.insert(value)
            forms.insert(value.replacingOccurrences(of: "'", with: "'\\''"))
            forms.insert(String(Value.string(value).jsonText.dropFirst().dropLast()))
        }
        self.forms = forms.sorted { $0.count > $1.count }
    }

    /// `name` matches `pattern` (`*` for any run of characters, at most one).
    static func matches(_ name: String, _ pattern: String) -> Bool {
        guard let star = pattern.firstIndex(of: "*") else { return name == pattern }
        let prefix = pattern[..<star], suffix = pattern[pattern.index(after: star)...]
        return name.count >= prefix.count + suffix.count && name.hasPrefix(prefix) && name.hasSuffix(suffix)
    }

    public func masking(_ text: String) -> String {
        forms.reduce(text) { $0.contains($1) ? $0.replacingOccurrences(of: $1, with: SecretMask.replacement) : $0 }
    }

    public func masking(_ value: Value) -> Value {
        switch value {
        case .string(let text): return .string(masking(text))
        case .list(let items): return .list(items.map(masking))
        case .dict(let dict): return .dict(masking(dict))
        default: return value
        }
    }

    func masking(_ dict: OrderedDictionary<String, Value>) -> OrderedDictionary<String, Value> {
        var masked = OrderedDictionary<String, Value>()
        for (key, value) in dict { masked[key] = masking(value) }
        return masked
    }

    /// `result` as reported: every text in it masked (the registered value is not: tasks use it).
    func masking(_ result: HostTaskResult) -> HostTaskResult {
        guard !forms.isEmpty else { return result }
        var result = result
        result.result = masking(result.result)
        result.items = result.items.map { ItemResult(label: masking($0.label), status: $0.status, result: masking($0.result)) }
        result.diffs = result.diffs.map { diff in
            var masked = diff
            masked.beforeHeader = masking(diff.beforeHeader)
            masked.afterHeader = masking(diff.afterHeader)
            masked.before = masking(diff.before)
            masked.after = masking(diff.after)
            return masked
        }
        result.commands = result.commands.map(masking)
        result.outputs = result.outputs.map(masking)
        return result
    }
}
