/// Every `notify:` of a play must name one of its handlers (or a `listen` topic); Ansible only finds out
/// when the task changes something, deckhand says so before the run.
extension LoadSession {
    func checkNotifications(of play: Play) {
        let handlers = play.allHandlers
        let known = Set(handlers.flatMap(\.notificationNames))
        var notifying: [PlaybookTask] = []
        var includesRoles = false
        func walk(_ items: [TaskItem]) {
            for item in items {
                switch item {
                case .task(let task):
                    if case .includeRole = task.action { includesRoles = true }
                    if !task.notify.isEmpty { notifying.append(task) }
                case .block(let block):
                    walk(block.block + block.rescue + block.always)
                }
            }
        }
        walk(play.preTasks + play.roleTasks + play.tasks + play.postTasks)
        for handler in handlers where !handler.task.notify.isEmpty { notifying.append(handler.task) }
        // Handlers of roles included at run time are unknown now.
        guard !includesRoles else { return }
        for task in notifying {
            for name in task.notify where !known.contains(name) && !TemplateRenderer.isTemplate(name) {
                errors.add(ValidationError(
                    "notify: this play has no handler called '\(name)' (nor a handler listening to it)",
                    at: task.location, offendingText: name, suggestion: Suggestion.nearest(name, in: Array(known))))
            }
        }
    }
}
