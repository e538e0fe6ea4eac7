/// A playbook file with its `import_playbook`s expanded: the plays in run order.
public struct Playbook: Sendable, Hashable {
    /// The file given on the command line.
    public var path: String
    /// Its folder (`playbook_dir`).
    public var directory: String
    public var plays: [Play]
    /// Tasks deckhand cannot run inside include_tasks/include_role: they fail only on a host that reaches them.
    public var warnings: [ValidationError]

    public init(path: String, directory: String, plays: [Play], warnings: [ValidationError] = []) {
        self.path = path
        self.directory = directory
        self.plays = plays
        self.warnings = warnings
    }
}
