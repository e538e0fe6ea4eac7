import ArgumentParser
import Deckhand
import Foundation
import Jinja

/// `deckhand rollback STAGE [--to RELEASE]`: playbooks/rollback.yml, back to an earlier release with a health check.
struct RollbackCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Switch back to an earlier release (default: the one before the current), with a health check.",
        discussion: """
            Takes the deploy lock, points repo at the release in one rename, HUPs gunicorn (no failed request), \
            restarts the RQ programs and checks health through nginx; a failed check switches forward again. \
            The database is left as it is (see `deckhand backup restore`).
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

    @OptionGroup var options: StageOptions

    func validate() throws {
        if let to, to.contains("/") || to.hasPrefix(".") || to.isEmpty {
            throw ValidationError("--to takes a release folder name such as 20261122T081500Z-v1 (see `deckhand history`)")
        }
        if let lockWait, lockWait < 0 { throw ValidationError("--lock-wait takes seconds, 0 or more") }
    }

    func run() async throws {
        var variables: [(String, Jinja.Value)] = []
        if let lockWait { variables.append(("deploy_lock_wait", .int(lockWait))) }
        if let to { variables.append(("rollback_to", .string(to))) }
        if let message { variables.append(("deploy_message", .string(message))) }
        let (run, outcome, seconds, _) = try await DeployRunner.run(
            .rollback, stage: stage, variables: variables, options: options, connection: deckhand.connection)
        try run.finish({
            if run.checkMode {
                return run.text(.rollbackPlan).map { "check mode: rollback on \(stage) \($0)" }
                    ?? "rollback of \(stage) checked"
            }
            return "rolled back \(stage) to release \(outcome["release"] ?? "?") (\(outcome["commit"] ?? "?")) in \(seconds)s"
        }(), action: "rollback", changesHost: false)
    }
}
