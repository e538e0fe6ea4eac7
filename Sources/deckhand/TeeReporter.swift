import Deckhand

/// Sends every event to several reporters (the user's output and the verb's record).
struct TeeReporter: RunReporter {
    let reporters: [RunReporter]
    init(_ reporters: [RunReporter]) { self.reporters = reporters }
    func record(_ event: RunEvent) { for reporter in reporters { reporter.record(event) } }
    func finish() { for reporter in reporters { reporter.finish() } }
}
