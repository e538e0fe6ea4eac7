/// What a string looks like to Ansible's templar, before anything is compiled.
public enum TemplateText {
    /// True when `text` holds template syntax (`{{`, `{%` or `{#`), so rendering it may change it.
    public static func mayHoldTemplate(_ text: String) -> Bool {
        text.contains("{{") || text.contains("{%") || text.contains("{#")
    }

    /// True when `text` is, on its face, one template and nothing else: it starts with a start delimiter and ends
    /// with an end delimiter (`{{ x }}`, `{% if a %}b{% endif %}`), or with a `#jinja2:` header. ansible-core
    /// resolves such a conditional as a template first (`when: "{{ check }}"`, where check holds an expression).
    public static func isPossiblyAllTemplate(_ text: String) -> Bool {
        if text.hasPrefix("#jinja2:") { return true }
        guard text.hasPrefix("{{") || text.hasPrefix("{%") || text.hasPrefix("{#") else { return false }
        return text.hasSuffix("}}") || text.hasSuffix("%}") || text.hasSuffix("#}")
    }

    /// `text` as a Jinja string literal (`'it\'s'`), for a template that must give exactly that text.
    public static func stringLiteral(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
