import Deckhand
import Foundation
import Jinja

/// The last line of `--output json`: one outcome object, whether the command succeeded, failed in its run, or
/// was refused before it (bad input, a question with no terminal to ask on). Set up once by the command that
/// writes JSON; main's error handling writes the failure when the command could not.
enum JSONOutcome {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var pending: (command: String, stage: String?)?

    /// The command writes JSON: from now on a failure that ends the process ends stdout with an outcome too.
    static func expect(command: String, stage: String?) {
        lock.withLock { pending = (command, stage) }
    }

    /// Writes the outcome (once): `ok`, the exit status, the line a person would have read, and `fields`
    /// (a verb's outcomes: what its playbook reported by name).
    static func write(ok: Bool, exitCode: Int32, message: String, checkMode: Bool = false,
                      fields: [(String, Value)] = []) {
        guard let (command, stage) = lock.withLock({ () -> (String, String?)? in
            defer { pending = nil }
            return pending
        }) else { return }
        var object: [(String, Value)] = [("event", .string("outcome")), ("command", .string(command))]
        if let stage { object.append(("stage", .string(stage))) }
        object += [("ok", .bool(ok)), ("exit_code", .int(Int(exitCode))), ("check_mode", .bool(checkMode)),
                   ("message", .string(message))]
        object += fields
        Terminal.out(JSONReport.line(object))
    }

    /// Renames the command in the outcome still to be written (a verb knows its action, e.g. "backup create",
    /// only once its arguments are read).
    static func rename(_ command: String) {
        lock.withLock { if let current = pending { pending = (command, current.stage) } }
    }

    /// A failure ending the process: its outcome, when a command promised one and has not written it.
    static func failed(exitCode: Int32, message: String) {
        write(ok: false, exitCode: exitCode, message: message)
    }

    /// `--output json` (or `--output=json`) on a command line that did not parse: the usage error still ends
    /// stdout with an outcome object.
    static func requested(in arguments: [String]) -> Bool {
        // `deckhand vault` has an --output FILE of its own.
        guard arguments.dropFirst().first != "vault" else { return false }
        return zip(arguments, arguments.dropFirst()).contains { $0 == "--output" && $1 == "json" }
            || arguments.contains("--output=json")
    }
}
