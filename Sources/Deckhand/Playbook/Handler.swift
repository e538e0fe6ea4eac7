/// A handler: a task that runs once at a flush point when notified by its name or a `listen` topic.
public struct Handler: Sendable, Hashable {
    public var task: PlaybookTask
    /// Topics this handler also answers to.
    public var listen: [String]

    public init(task: PlaybookTask, listen: [String] = []) {
        self.task = task
        self.listen = listen
    }

    /// Every name a `notify:` may use to reach this handler (the name, the role-qualified name, topics).
    public var notificationNames: [String] {
        var names: [String] = []
        if let name = task.name {
            names.append(name)
            if let role = task.role { names.append("\(role.name) : \(name)") }
        }
        return names + listen
    }
}
