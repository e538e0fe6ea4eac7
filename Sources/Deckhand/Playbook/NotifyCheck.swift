/// Every `notify:` of a play must name one of its handlers (or a `listen` topic); Ansible only finds out
/// when the task changes something, deckhand says so before the run.
extension LoadSession {
    func checkNotifications(of play: Play) {
        let handlers = play.allHandlers
        let known = Set(handlers.flatMap(\.notificationNames))
        let tasks = play.everyTask
        // Handlers of roles included at run time are unknown now.
        let includesRoles = tasks.contains { if case .includeRole = $0.action { return true } else { return false } }
        guard !includesRoles else { return }
        for task in tasks where !task.notify.isEmpty {
            for name in task.notify where !known.contains(name) && !TemplateRenderer.isTemplate(name) {
                errors.add(ValidationError(
                    "notify: this play has no handler called '\(name)' (nor a handler listening to it)",
                    at: task.location, offendingText: name, suggestion: Suggestion.nearest(name, in: Array(known))))
            }
        }
    }
}
