import Foundation
import Jinja

/// async_status: reads (or removes) the result of a task started with `async:` and `poll: 0`.
///
///     - async_status: { jid: "{{ job.ansible_job_id }}" }
///       register: done
///       until: done.finished
///       retries: 30
public struct AsyncStatusModule: Module {
    public static let spec = ModuleSpec(
        name: "async_status",
        arguments: [
            ArgumentSpec("jid", required: true, doc: "The job id a background task registered as `ansible_job_id`."),
            ArgumentSpec("mode", default: .string("status"), choices: ["status", "cleanup"],
                         doc: "status: report the job (finished 0 while it runs); cleanup: remove its results file."),
        ],
        doc: "Reports a background task's state: started, finished (0 or 1), ansible_job_id, results_file, and "
            + "once finished the task's own result (rc, stdout, ...). `cleanup` removes the results file.",
        example: "- async_status:\n    jid: \"{{ job.ansible_job_id }}\"\n  register: done\n  until: done.finished\n  retries: 30")

    var jid: String
    var cleanup: Bool
    /// The jobs' folder the runner knows already; else the task's `ansible_async_dir` decides.
    var directory: String?

    public init(_ arguments: ModuleArguments) throws {
        jid = try arguments.requiredString("jid")
        cleanup = try arguments.requiredString("mode") == "cleanup"
        // The id names a file in the jobs' folder, nothing outside it.
        guard !jid.isEmpty, !jid.contains("/"), jid != ".", jid != ".." else {
            throw ModuleArgumentError("async_status: '\(jid)' is not a job id (as registered in ansible_job_id)")
        }
    }

    /// The runner's own check on a job it started (`poll:`).
    init(jid: String, cleanup: Bool, directory: String) {
        self.jid = jid
        self.cleanup = cleanup
        self.directory = directory
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        AsyncJob.statusProbe(id: jid, directory: directory ?? AsyncJob.directory(evaluate: context.evaluate))
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        // Ansible's action fills these in first; the job's own result overrides them. Bools, as ansible-core
        // 2.19+ reports them (a conditional on them must be a bool).
        var result = ModuleResult(values: [
            "started": .bool(false), "finished": .bool(false), "stdout": .string(""), "stderr": .string(""),
            "stdout_lines": .list([]), "stderr_lines": .list([]), "ansible_job_id": .string(jid),
        ])
        let status = probe.map(AsyncJob.status(from:)) ?? .missing(path: "")
        if case .missing = status {
            result.failed = true
            result.msg = "could not find job"
            result["started"] = .bool(true)
            result["finished"] = .bool(true)
            return ModulePlan(result: result)
        }
        if cleanup { return erase(status.path, result) }
        result["started"] = .bool(true)
        switch status {
        case .running(let path):
            result["results_file"] = .string(path)
        case .finished(let path, let job):
            result["results_file"] = .string(path)
            result.changed = job.changed
            result.failed = job.failed
            result.msg = job.msg
            for (key, value) in job.values { result[key] = value }
            result["finished"] = .bool(true)
        case .missing:
            break
        }
        return ModulePlan(result: result)
    }

    /// Ansible's cleanup removes the file even in check mode.
    private func erase(_ path: String, _ result: ModuleResult) -> ModulePlan {
        var result = result
        result["erased"] = .string(path)
        return ModulePlan(actions: [.run(ShellCommand("rm", "-f", "--", path))], result: result, runsInCheckMode: true)
    }
}
