import ArgumentParser
import Deckhand
import Foundation
import Jinja

/// One verb run: the stage resolved, its built-in playbook found and run through the engine with the verb's
/// variables, the engine's normal output shown, and what happened kept for the verb's final line.
struct VerbRun {
    let target: StageTarget
    let summary: RunSummary
    /// --check: the final line says nothing was changed.
    let checkMode: Bool

    /// Runs the playbook of `verb` (one of the built-in playbooks) against `stage` with `variables` (the verb's
    /// own, above the user's -e). Invalid input exits 5 before anything runs, as `deckhand run` does.
    /// `interruption` stops the run at the next task boundary when requested (Ctrl-C), rescue/always still run.
    static func run(_ verb: BuiltInVerb, stage: String, variables: [(String, Value)],
                    options: StageOptions, connection: ConnectionOptions,
                    interruption: RunInterruption? = nil,
                    defaults: (StageTarget) -> [(String, Value)] = { _ in [] }) async throws -> VerbRun {
        let (target, loaded) = try DeckhandFailure.reportingInputErrors { () throws -> (StageTarget, PlaybookExecution) in
            let target = try StageTarget.resolve(stage, options: options)
            let path = try BuiltInPlaybooks.locate(verb.playbook, explicit: options.playbooks,
                                                   configDirectory: target.configDirectory)
            var execution = try PlaybookExecution.load(playbook: path, inventory: target.inventory,
                                                       ansible: try AnsibleConfig.load())
            execution.options.extraVars = try ExtraVars.parse(options.extraVars)
            return (target, execution)
        }
        var execution = loaded
        // A verb's defaults give way to the user's -e; its own variables do not.
        for (key, value) in defaults(target) where execution.options.extraVars[key] == nil {
            execution.options.extraVars[key] = value
        }
        for (key, value) in variables { execution.options.extraVars[key] = value }
        execution.options.interruption = interruption
        execution.options.checkMode = options.check
        execution.options.diffMode = options.diff
        execution.options.verbosity = options.verbose
        execution.options.limit = target.limit
        if let password = ProcessInfo.processInfo.environment["DECKHAND_BECOME_PASSWORD"] {
            execution.options.becomePassword = password
        }
        let summary = try await execution.run(connection: connection,
                                              reporter: HumanReport.standardOutput(verbosity: options.verbose))
        return VerbRun(target: target, summary: summary, checkMode: options.check)
    }

    var succeeded: Bool { summary.exitCode == 0 }

    /// Prints the verb's outcome as the last line and exits with the run's status: `success` when every host
    /// was fine, a failure line naming the stage otherwise. A verb that `changesHost` says, under --check,
    /// what it would have changed instead (its success line would claim what did not happen).
    func finish(_ success: @autoclosure () -> String, action: String, changesHost: Bool = false) throws {
        if succeeded {
            if checkMode && changesHost {
                let changes = summary.stats.reduce(0) { $0 + $1.stats.changed }
                print("check mode: \(action) would make \(changes) change\(changes == 1 ? "" : "s") on \(target.name); nothing was changed")
            } else {
                print(success() + (checkMode ? " [check mode: nothing was changed]" : ""))
            }
            return
        }
        let unreachable = summary.stats.first { $0.stats.unreachable > 0 }
        let reason = unreachable.map { "could not reach \($0.host) (see above)" } ?? "a task failed (see above)"
        Terminal.error("\(action) failed on \(target.name): \(reason)")
        throw ExitCode(summary.exitCode)
    }
}
