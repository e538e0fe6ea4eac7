import Deckhand

extension RecordingReporter {
    /// Host results of the tasks named `name`: a test finds the tasks of its own playbook by their titles
    /// (deckhand's verbs read named outcomes instead, see BuiltInVerb).
    func results(ofTask name: String) -> [HostTaskResult] {
        events.compactMap { event in
            if case .hostResult(let task, let result) = event, task.name == name { return result }
            return nil
        }
    }
}
