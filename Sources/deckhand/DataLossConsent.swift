import Foundation

/// `rollback --with-data` loses what was written since the restore point: said before anything runs, and
/// agreed to by typing "yes" on a terminal or by --yes; without a terminal and --yes it refuses.
enum DataLossConsent {
    static func ask(stage: String, given: Bool) throws {
        let warning = "rollback --with-data puts the database of \(stage) back to the restore point of its current release: "
            + "everything written since that deploy is lost (a backup of the database as it is now is taken first)."
        if given {
            Terminal.error("warning: " + warning)
            return
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw DeckhandFailure(.usage, warning + " stdin is not a terminal: add --yes to go ahead; nothing was changed.")
        }
        Terminal.out(warning + "\nType yes to go ahead: ")
        guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
            throw DeckhandFailure(.usage, "rollback --with-data on \(stage) not confirmed; nothing was changed.")
        }
    }
}
