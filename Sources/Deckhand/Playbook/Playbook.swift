/// A playbook file with its `import_playbook`s expanded: the plays in run order.
public struct Playbook: Sendable, Hashable {
    /// The file given on the command line.
    public var path: String
    /// Its folder (`playbook_dir`).
    public var directory: String
    public var plays: [Play]

    public init(path: String, directory: String, plays: [Play]) {
        self.path = path
        self.directory = directory
        self.plays = plays
    }
}
