import ArgumentParser
import Deckhand

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

extension DeckhandFailure {
    /// Runs `body`, turning the engine's input errors (playbook validation, -e) into what the user sees:
    /// the message and exit status 5 (invalid) or 1 (usage). Other errors pass through.
    static func reportingInputErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ValidationErrors {
            throw DeckhandFailure(.invalid, error.description)
        } catch let error as Deckhand.ValidationError {
            throw DeckhandFailure(.invalid, error.description)
        } catch let error as ExtraVarsError {
            throw DeckhandFailure(.usage, error.description)
        }
    }
}
