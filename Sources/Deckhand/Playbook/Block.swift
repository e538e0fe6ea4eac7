/// `block:` with its `rescue:` and `always:` sections; keywords on the block apply to every task inside.
/// Static imports (`import_tasks`, `import_role`) also become blocks, so their keywords apply the same way.
public struct Block: Sendable, Hashable {
    public var name: String?
    public var block: [TaskItem]
    public var rescue: [TaskItem]
    public var always: [TaskItem]
    public var keywords: TaskKeywords
    /// Set when this block is a role's body (from `roles:`, `import_role:` or a dependency).
    public var role: RoleContext?
    /// Why the block exists: written as `block:`, or produced by an import.
    public var origin: Origin
    /// Handlers of a role brought in by `import_role` (they join the play's handlers).
    public var importedHandlers: [Handler] = []
    public var location: SourceLocation

    public enum Origin: Sendable, Hashable {
        case block
        case importTasks(file: String)
        case role(name: String)
    }

    public init(name: String? = nil, block: [TaskItem], rescue: [TaskItem] = [], always: [TaskItem] = [],
                keywords: TaskKeywords = TaskKeywords(), role: RoleContext? = nil, origin: Origin = .block,
                location: SourceLocation) {
        self.name = name
        self.block = block
        self.rescue = rescue
        self.always = always
        self.keywords = keywords
        self.role = role
        self.origin = origin
        self.location = location
    }
}
