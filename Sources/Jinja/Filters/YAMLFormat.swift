/// YAML in and out with Python's (PyYAML's) data model, for callers outside the filters (e.g. `-e @vars.yml`).
public enum YAMLFormat {
    /// yaml.safe_load(text): YAML 1.1 scalars (yes/no are booleans), mapping order kept.
    public static func load(_ text: String) throws -> Value {
        try YAMLResolver.load(text)
    }

    /// yaml.safe_dump as Ansible's to_nice_yaml calls it: block style, sorted keys, `indent` spaces.
    public static func dump(_ value: Value, indent: Int = 4) throws -> String {
        var settings = YAMLEmitter.Settings(defaultFlowStyle: false)
        settings.indent = indent
        return try YAMLEmitter.dump(value, settings)
    }
}
