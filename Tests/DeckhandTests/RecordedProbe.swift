import Foundation
import Jinja
import OrderedCollections
@testable import Deckhand

// The helpers of the tests where a module decides from recorded probe output, without a host.

/// What a module's probe got back from the host.
func recordedOutput(_ stdout: String, status: Int32 = 0, stderr: String = "") -> CommandResult {
    CommandResult(exitStatus: status, exitSignal: nil, stdout: Data(stdout.utf8), stderr: Data(stderr.utf8))
}

/// A module made from Swift literals (see testValue), through its spec as a task's arguments are.
func makeModule<M: Module>(_ type: M.Type, _ args: KeyValuePairs<String, Any>) throws -> M {
    var values = OrderedDictionary<String, Value>()
    for (key, value) in args { values[key] = testValue(value) }
    return try M.make(values)
}

/// The command lines a plan would run to change the host, as rendered (the read-back of the file's
/// attributes for the result, PathInfo, left out).
func commandLines(_ plan: ModulePlan) -> [String] {
    let readBack = ShellCommand("stat", "-c", PathInfo.format).rendered
    return plan.actions.compactMap { action in
        if case .run(let command, _) = action.kind, !command.rendered.hasPrefix(readBack) { return command.rendered }
        return nil
    }
}
