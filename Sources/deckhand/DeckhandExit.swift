import ArgumentParser

/// deckhand's documented exit statuses (see `deckhand --help`).
enum DeckhandExit: Int32 {
    case ok = 0
    case usage = 1
    case failed = 2
    case unreachable = 4
    case invalid = 5

    var code: ExitCode { ExitCode(rawValue) }
}

/// A failure the user must see as one paragraph on stderr, with the exit status it maps to.
struct DeckhandFailure: Error {
    var exitCode: ExitCode
    var message: String

    init(_ exit: DeckhandExit, _ message: String) {
        self.exitCode = exit.code
        self.message = message
    }
}
