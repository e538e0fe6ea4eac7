import Foundation
import Jinja

/// `async:` and `poll:` as Ansible's: the module's command starts detached on the host (AsyncJob) and
/// outlives the connection; with `poll` > 0 deckhand checks on it every `poll` seconds until it finishes or
/// `async` seconds pass, with `poll: 0` the task reports the job (`ansible_job_id`) for a later async_status.
extension TaskExecution {
    struct BackgroundSettings {
        var seconds: Int
        var poll: Int
    }

    /// Ansible's DEFAULT_POLL_INTERVAL: how often an async task is checked when `poll` is not given.
    static let defaultPollSeconds = 15

    /// The task's async/poll, nil when it runs in the foreground (no `async`, or 0).
    func backgroundSettings(scope: TemplatedScope) throws -> BackgroundSettings? {
        let seconds = try intValue(task.asyncSeconds, scope: scope, default: 0)
        guard seconds > 0 else { return nil }
        let poll = try intValue(task.pollSeconds, scope: scope, default: Self.defaultPollSeconds)
        return BackgroundSettings(seconds: seconds, poll: max(0, poll))
    }

    /// Why `call` cannot run with `async:`: Ansible's own refusal for its action plugins, and deckhand's
    /// reason for the modules Ansible would background but deckhand drives step by step from the controller.
    func backgroundRefusal(_ call: ModuleCall) -> String {
        let refusal = "This action (\(call.originalName)) does not support async."
        if Self.actionsWithoutAsync.contains(call.name) { return refusal }
        return refusal + " deckhand runs '\(call.name)' as a probe and separate commands from the controller, which "
            + "cannot outlive the connection; only command and shell run in the background (drop async:, or start the "
            + "work with shell)"
    }

    /// Ansible's action plugins that refuse `async:` (ActionBase's `_supports_async` left false).
    static let actionsWithoutAsync: Set<String> = [
        "add_host", "assemble", "assert", "async_status", "copy", "debug", "fail", "fetch", "gather_facts", "group_by",
        "include_vars", "pause", "raw", "reboot", "script", "set_fact", "set_stats", "template", "unarchive",
        "validate_argument_spec", "wait_for_connection",
    ]

    /// Starts `action`'s command as a background job; then, with `poll`, waits for it as Ansible's
    /// _poll_async_result does (first check after `poll` seconds, the job's result once finished, its results
    /// file removed) or fails when `async` seconds pass first.
    /// Without `action` (creates/removes made the run needless) the planned result is the job's at once.
    func runInBackground(_ action: HostAction?, planned: ModuleResult, settings: BackgroundSettings, target: Target,
                         scope: TemplatedScope, note: (String) -> Void,
                         answer: (CommandResult) -> Void) async throws -> ModuleResult {
        let id = AsyncJob.newID()
        let directory = AsyncJob.directory { try templating.evaluate($0, scope) }
        var launch = AsyncJob.record(id: id, result: planned, directory: directory)
        var input: Data?
        if let action, case .run(let command, let stdin) = action.kind {
            launch = AsyncJob.launch(id: id, seconds: settings.seconds, command: command, result: planned,
                                     stripsEmptyEnds: action.stripsEmptyEnds, stdin: stdin, directory: directory)
            input = stdin
        }
        launch = launch.withEnvironment(target.environment)
        note(launch.displayed)
        let started = try await target.connection.run(launch, become: target.become, stdin: input)
        answer(started)
        guard started.exitStatus == 0 else {
            return .failure("could not start the background job on the host (exit \(started.exitStatus)): "
                            + started.stderrText.trimmed)
        }
        let path = started.stdoutText.trimmed
        var job = ModuleResult(changed: true, values: [
            "started": .bool(true), "finished": .bool(false), "ansible_job_id": .string(id), "results_file": .string(path)])
        guard settings.poll > 0 else { return job }

        let status = AsyncStatusModule(jid: id, cleanup: false, directory: directory)
        var timeLeft = settings.seconds
        while timeLeft > 0 {
            try await _Concurrency.Task.sleep(nanoseconds: UInt64(settings.poll) * 1_000_000_000)
            job = try await runOnTarget(status, target: target, note: note, answer: answer)
            if job["finished"] == .bool(true) || job.failed || job.skipped { break }
            timeLeft -= settings.poll
        }
        guard job["finished"] == .bool(true) else {
            return .failure("async task did not complete within the requested time - \(settings.seconds)s",
                            values: ["async_result": job.registered])
        }
        _ = try await runOnTarget(AsyncStatusModule(jid: id, cleanup: true, directory: directory), target: target, note: note, answer: answer)
        return job
    }

    /// A module's probe, plan and actions on the task's target, for the runner's own use (async_status).
    private func runOnTarget(_ module: some Module, target: Target, note: (String) -> Void,
                             answer: (CommandResult) -> Void) async throws -> ModuleResult {
        let context = ModuleContext(hostName: target.hostName)
        var probeResult: CommandResult?
        if let probe = try module.probe(context) {
            note(probe.displayed)
            probeResult = try await target.connection.run(probe, become: target.become, stdin: nil)
            answer(probeResult!)
        }
        let plan = try module.plan(probeResult, context)
        for action in plan.actions {
            guard case .run(let command, let stdin) = action.kind else { continue }
            note(command.displayed)
            answer(try await target.connection.run(command, become: target.become, stdin: stdin))
        }
        return plan.result
    }
}
