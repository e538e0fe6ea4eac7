import Jinja

extension PlaybookRunner {
    /// Fails `hosts` on something that could not run (a play's vars file, an include nested too deep): a failed
    /// result each, with `message` and where, counted and kept for a rescue's ansible_failed_result.
    func fail(_ hosts: [HostState], on name: String, at location: SourceLocation, message: String) {
        let info = TaskInfo(name: name, location: location, hostCount: hosts.count)
        for host in hosts {
            var result = HostTaskResult(host: host.name, status: .failed,
                                        result: ["failed": .bool(true), "msg": .string(message)])
            result.location = location
            reporter.record(.hostResult(info, result))
            host.recordFailure(task: name, result: result.result)
            host.markFailed()
            host.count { $0.failed += 1 }
        }
    }
}
