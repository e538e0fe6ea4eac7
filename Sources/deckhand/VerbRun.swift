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
    private let recorder: RecordingReporter

    /// Runs `playbook` (a file name of the built-in playbooks) against `stage` with `variables` (the verb's
    /// own, above the user's -e). Invalid input exits 5 before anything runs, as `deckhand run` does.
    /// `interruption` stops the run at the next task boundary when requested (Ctrl-C), rescue/always still run.
    static func run(_ playbook: String, stage: String, variables: [(String, Value)],
                    options: StageOptions, connection: ConnectionOptions,
                    interruption: RunInterruption? = nil,
                    defaults: (StageTarget) -> [(String, Value)] = { _ in [] }) async throws -> VerbRun {
        let (target, loaded) = try DeckhandFailure.reportingInputErrors { () throws -> (StageTarget, PlaybookExecution) in
            let target = try StageTarget.resolve(stage, options: options)
            let path = try BuiltInPlaybooks.locate(playbook, explicit: options.playbooks,
                                                   configDirectory: target.configDirectory)
            var execution = try PlaybookExecution.load(playbook: path, inventory: target.inventory)
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
        if let password = ProcessInfo.processInfo.environment["DECKHAND_BECOME_PASSWORD"] {
            execution.options.becomePassword = password
        }
        let recorder = RecordingReporter()
        let reporter = TeeReporter([HumanReport.standardOutput(verbosity: options.verbose), recorder])
        let summary = try await execution.run(connection: connection, reporter: reporter)
        return VerbRun(target: target, summary: summary, checkMode: options.check, recorder: recorder)
    }

    var succeeded: Bool { summary.exitCode == 0 }

    /// The registered results of the task named `task` that ran (not skipped), in host order.
    func results(ofTask task: String) -> [[(key: String, value: Value)]] {
        recorder.results(ofTask: task).filter { $0.status != .skipped }.map { $0.result.map { (key: $0.key, value: $0.value) } }
    }

    /// What a debug task printed (`msg`, or the lines of its `var`), for the final line.
    func messages(ofTask task: String) -> [String] {
        results(ofTask: task).flatMap { result -> [String] in
            for (key, value) in result where !["changed", "failed", "skipped", "_ansible_verbose_always"].contains(key) {
                switch value {
                case .string(let text): return [text]
                case .list(let items): return items.map(\.plainText)
                default: continue
                }
            }
            return []
        }
    }

    /// The `msg` of a debug task that printed a dict (a verb's structured outcome).
    func messageFields(ofTask task: String) -> [String: String] {
        guard case .dict(let fields)? = results(ofTask: task).first?.first(where: { $0.key == "msg" })?.value else {
            return [:]
        }
        var plain: [String: String] = [:]
        for (key, value) in fields { plain[key] = value.plainText }
        return plain
    }

    /// The `msg` of the task named `task` where it failed (a `fail` task's explanation), if it did.
    func failureMessage(ofTask task: String) -> String? {
        for result in recorder.results(ofTask: task) where result.status == .failed {
            if case .string(let text)? = result.result["msg"] { return text }
        }
        return nil
    }

    /// The stdout of a command task that ran.
    func stdout(ofTask task: String) -> String? {
        guard case .string(let text)? = results(ofTask: task).first?.first(where: { $0.key == "stdout" })?.value else {
            return nil
        }
        return text
    }

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
