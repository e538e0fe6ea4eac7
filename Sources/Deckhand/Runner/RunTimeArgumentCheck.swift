import Jinja
import OrderedCollections

extension TaskExecution {
    /// The failed result of a task whose rendered arguments (module_defaults merged) the module cannot take, in
    /// the words of Ansible's argument validation: what the loader could not check (arguments from a template or
    /// from module_defaults) and what it left for run time (`ModuleCall.argumentErrors`). Nil when they fit.
    func argumentFailure(_ call: ModuleCall, _ arguments: OrderedDictionary<String, Value>, spec: ModuleSpec,
                         on host: HostState) -> HostTaskResult? {
        let problems = ArgumentValidator.validate(arguments, spec: spec, checkRequired: true, checkTypes: false)
        guard let message = problems.first?.ansibleMessage ?? call.argumentErrors.first.map({ _ in
            call.argumentErrors.joined(separator: "; ")
        }) else { return nil }
        return HostTaskResult(host: host.name, status: .failed, result: [
            "failed": .bool(true), "changed": .bool(false), "msg": .string(message)])
    }
}
