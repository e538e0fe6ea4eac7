import Deckhand
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A question for the person at the terminal. With no terminal on standard input (cron, CI, a pipe) deckhand
/// never waits for an answer: the question becomes an error (exit 1) naming the flag or variable to give instead.
enum TerminalQuestion {
    /// Whether a person can be asked: standard input is a terminal.
    static var canAsk: Bool { isatty(STDIN_FILENO) == 1 }

    /// A secret typed without echo; `asker` names what asked (-K), `instead` what to give without a terminal.
    static func secret(_ question: String, asker: String, instead: String) throws -> String {
        guard canAsk else {
            throw DeckhandFailure(.usage, "\(asker) asks for a password, and standard input is not a terminal to ask on: \(instead)")
        }
        guard let answer = VarsPromptReader.readFromTerminal(question, true) else {
            throw DeckhandFailure(.usage, "\(asker): no password was typed (input closed); \(instead)")
        }
        return answer
    }

    /// A yes/no question (default no); without a terminal an error naming `flag`, the answer given up front.
    static func confirm(_ question: String, flag: String) throws -> Bool {
        guard canAsk else {
            throw DeckhandFailure(.usage, "\(question) needs an answer, and standard input is not a terminal to ask on: pass \(flag) to answer yes")
        }
        let answer = VarsPromptReader.readFromTerminal(question + " [y/N] ", false) ?? ""
        return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }
}
