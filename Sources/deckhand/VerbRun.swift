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
    let verb: BuiltInVerb
    /// --output: an outcome line for people, or the final JSON object.
    let output: OutputFormat
    /// How the run was shown (live progress shows what debug tasks say under their step).
    let style: ReportStyle

    /// Runs the playbook of `verb` (one of the built-in playbooks) against `stage` with `variables` (the verb's
    /// own, above the user's -e). Invalid input exits 5 before anything runs, as `deckhand run` does.
    /// `interruption` stops the run at the next task boundary when requested (Ctrl-C), rescue/always still run.
    static func run(_ verb: BuiltInVerb, stage: String, variables: [(String, Value)],
                    options: StageOptions, connection: ConnectionOptions,
                    interruption: RunInterruption? = nil,
                    defaults: (StageTarget) -> [(String, Value)] = { _ in [] }) async throws -> VerbRun {
        if options.output == .json { JSONOutcome.expect(command: verb.rawValue, stage: stage) }
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
        // A verb's defaults give way to the user's -e; its own variables do not. Both are data: an option's
        // text is shown and stored as typed, never rendered (`--message '{{ secret_key }}'` stays that text).
        for (key, value) in defaults(target) where execution.options.extraVars[key] == nil {
            execution.options.extraVars[key] = value
            execution.options.literalExtraVars.insert(key)
        }
        for (key, value) in variables {
            execution.options.extraVars[key] = value
            execution.options.literalExtraVars.insert(key)
        }
        execution.options.interruption = interruption
        execution.options.checkMode = options.check
        execution.options.diffMode = options.diff
        execution.options.verbosity = options.verbose
        execution.options.limit = target.limit
        // Empty is unset: a CI secret nobody set reaches the job as an empty variable.
        if let password = ProcessInfo.processInfo.environment["DECKHAND_BECOME_PASSWORD"], !password.isEmpty {
            execution.options.becomePassword = password
        }
        let style = ReportStyle.forVerb(json: options.output == .json, verbosity: options.verbose)
        let summary = try await execution.run(connection: connection,
                                              reporter: style.reporter(verbosity: options.verbose, profile: options.profile))
        return VerbRun(target: target, summary: summary, checkMode: options.check, verb: verb, output: options.output,
                       style: style)
    }

    var succeeded: Bool { summary.exitCode == 0 }

    /// Prints `text` for people (a verb's screen or table above its outcome line); JSON has it in the outcome.
    /// `shownLive`: the playbook's debug task shows the same, which live progress already printed.
    func say(_ text: String, shownLive: Bool = false) {
        if output == .human && !(shownLive && style == .live) { print(text) }
    }

    /// Prints the verb's outcome as the last line and exits with the run's status: `success` when every host
    /// was fine, a failure line naming the stage otherwise. A verb that `changesHost` says, under --check,
    /// what it would have changed instead (its success line would claim what did not happen).
    func finish(_ success: @autoclosure () -> String, action: String, changesHost: Bool = false) throws {
        JSONOutcome.rename(action)
        if succeeded {
            let line: String
            if checkMode && changesHost {
                let changes = summary.stats.reduce(0) { $0 + $1.stats.changed }
                line = "check mode: \(action) would make \(changes) change\(changes == 1 ? "" : "s") on \(target.name); nothing was changed"
            } else {
                line = success() + (checkMode ? " [check mode: nothing was changed]" : "")
            }
            if output == .json {
                JSONOutcome.write(ok: true, exitCode: 0, message: line, checkMode: checkMode, fields: outcomeFields)
            } else {
                print(line)
            }
            return
        }
        try fail("\(action) failed on \(target.name): \(summary.failureReason)", exitCode: summary.exitCode)
    }

    /// Ends the verb as failed: `line` on stderr (and as the JSON outcome), exit `exitCode`. For a failed run,
    /// and for a verb whose playbook ran but whose outcome is a failure (doctor's failed checks).
    func fail(_ line: String, exitCode: Int32) throws {
        Terminal.error(line)
        JSONOutcome.write(ok: false, exitCode: exitCode, message: line, checkMode: checkMode, fields: outcomeFields)
        throw ExitCode(exitCode)
    }

    /// The outcomes the verb's playbook named (first host's values), and the counts of the recap, for JSON.
    private var outcomeFields: [(String, Value)] {
        var outcomes: [(String, Value)] = []
        for outcome in verb.outcomes {
            if let value = values(outcome).first { outcomes.append((outcome.name, value)) }
        }
        let changed = summary.stats.reduce(0) { $0 + $1.stats.changed }
        return [("changed", .int(changed)), ("outcomes", JSONReport.object(outcomes))]
    }
}

extension RunSummary {
    /// Why a run failed, for the line under it: the first unreachable host, else a failed task.
    var failureReason: String {
        let unreachable = stats.first { $0.stats.unreachable > 0 }
        return unreachable.map { "could not reach \($0.host) (see above)" } ?? "a task failed (see above)"
    }
}
