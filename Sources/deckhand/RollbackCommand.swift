import ArgumentParser
import Deckhand
import Foundation
import Jinja

/// `deckhand rollback STAGE [--to RELEASE] [--keep-schema | --with-data [--yes]]`: playbooks/rollback.yml, back to
/// an earlier release with its schema (or its data) and a health check.
struct RollbackCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Switch back to an earlier release (default: the one before the current), with its schema and a health check.",
        discussion: """
            Takes the deploy lock; migrations the database has beyond those the release went live with are \
            unapplied with the current release's code, behind the maintenance page, after a fresh backup (an \
            irreversible one stops the rollback before anything changes). Then it points repo at the release in \
            one rename, HUPs gunicorn (no failed request), restarts the RQ programs and checks health through \
            nginx; a failed check switches forward again. --keep-schema switches the code only. --with-data puts \
            back the restore point of the current release (the backup its deploy took) and goes back to the \
            release live then: the data written since is lost.
            """)

    @Argument(help: ArgumentHelp("The stage (deckhand.yml) or inventory host/group (-i).", valueName: "stage"))
    var stage: String

    @Option(name: .customLong("to"), help: ArgumentHelp(
        "The release (a folder name under releases/, see `deckhand history`).", valueName: "release"))
    var to: String?

    @Option(name: .customLong("message"), help: ArgumentHelp("Why: shown in the lock and the history.", valueName: "text"))
    var message: String?

    @Option(name: .customLong("lock-wait"), help: ArgumentHelp(
        "Seconds to wait for another deploy's lock before giving up (default: the stage's deploy_lock_wait, 0).",
        valueName: "seconds"))
    var lockWait: Int?

    @Flag(name: .customLong("keep-schema"), help: "Switch the code only: leave the database's migrations as they are.")
    var keepSchema = false

    @Flag(name: .customLong("with-data"), help: ArgumentHelp(
        "Restore the current release's restore point (its pre-deploy backup) and go back to the release live then; the data written since is lost."))
    var withData = false

    @Flag(name: .customLong("yes"), help: "--with-data: do not ask (needed when stdin is not a terminal).")
    var yes = false

    @OptionGroup var options: StageOptions

    func validate() throws {
        if let to, to.contains("/") || to.hasPrefix(".") || to.isEmpty {
            throw ValidationError("--to takes a release folder name such as 20261122T081500Z-v1 (see `deckhand history`)")
        }
        if let lockWait, lockWait < 0 { throw ValidationError("--lock-wait takes seconds, 0 or more") }
        if keepSchema && withData { throw ValidationError("--keep-schema and --with-data exclude each other: one keeps the database, the other restores it") }
        if yes && !withData { throw ValidationError("--yes goes with --with-data only") }
    }

    func run() async throws {
        var variables: [(String, Jinja.Value)] = []
        if let lockWait { variables.append(("deploy_lock_wait", .int(lockWait))) }
        if let to { variables.append(("rollback_to", .string(to))) }
        if let message { variables.append(("deploy_message", .string(message))) }
        if keepSchema { variables.append(("rollback_keep_schema", .bool(true))) }
        if withData {
            try DataLossConsent.ask(stage: stage, given: yes || options.check)
            variables.append(("rollback_with_data", .bool(true)))
        }
        let (run, outcome, seconds, _) = try await DeployRunner.run(
            .rollback, stage: stage, variables: variables, options: options, connection: deckhand.connection)
        try run.finish({
            if run.checkMode {
                return run.text(.rollbackPlan).map { "check mode: rollback on \(stage) \($0)" }
                    ?? "rollback of \(stage) checked"
            }
            let line = "rolled back \(stage) to release \(outcome["release"] ?? "?") (\(outcome["commit"] ?? "?")) in \(seconds)s"
            let schema = outcome["schema"] ?? ""
            return schema.isEmpty ? line : line + "; " + schema
        }(), action: "rollback", changesHost: false)
    }
}
