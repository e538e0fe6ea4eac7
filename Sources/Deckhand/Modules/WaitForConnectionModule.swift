import Foundation
import Jinja

/// How long and how often to try a host until it answers (wait_for_connection): the runner retries the
/// module's probe through a fresh connection each time (see Runner/ConnectionWait.swift).
public struct ConnectionWait: Sendable {
    public var delay: Int
    public var sleep: Int
    public var timeout: Int
}

/// A module whose probe is tried until the host answers instead of failing the host as unreachable.
public protocol ConnectionWaiting: Module {
    var connectionWait: ConnectionWait { get }
}

/// wait_for_connection: waits until the host answers over a new connection (after a reboot, or while it
/// boots), trying every `sleep` seconds for at most `timeout`. Skipped in check mode, as in Ansible.
///
///     - wait_for_connection: { delay: 5, timeout: 300 }
public struct WaitForConnectionModule: ConnectionWaiting {
    public static let spec = ModuleSpec(
        name: "wait_for_connection",
        arguments: [
            ArgumentSpec("connect_timeout", type: .int, default: .int(5), doc: "Accepted for compatibility: each try waits as long as a login does."),
            ArgumentSpec("delay", type: .int, default: .int(0), doc: "Seconds to wait before the first try."),
            ArgumentSpec("sleep", type: .int, default: .int(1), doc: "Seconds between tries."),
            ArgumentSpec("timeout", type: .int, default: .int(600), doc: "Give up after this many seconds."),
        ],
        argumentProblemWording: ModuleSpec.invalidOptions("wait_for_connection"),
        doc: "Waits until the host can be reached again (a new login that runs a command), retrying until timeout; "
            + "reports elapsed seconds. Skipped in check mode.",
        example: "- wait_for_connection:\n    delay: 5\n    timeout: 300")

    public var connectionWait: ConnectionWait

    public init(_ arguments: ModuleArguments) throws {
        connectionWait = ConnectionWait(delay: max(0, try arguments.requiredInt("delay")), sleep: max(1, try arguments.requiredInt("sleep")),
                                        timeout: max(0, try arguments.requiredInt("timeout")))
    }

    /// Ansible's ping: the host runs a command and answers.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        context.checkMode ? nil : ShellCommand("echo", "pong")
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var result = ModuleResult()
        guard let probe else {
            result.skipped = true
            return ModulePlan(result: result)
        }
        let elapsed = probe.stdoutText.splitLines.first { $0.hasPrefix("elapsed ") }.flatMap { Int($0.dropFirst(8)) } ?? 0
        result["elapsed"] = .int(elapsed)
        if probe.exitStatus != 0 || !probe.stdoutText.hasPrefix("pong") {
            result.failed = true
            result.msg = probe.stderrText.trimmed.isEmpty ? "timed out waiting for ping module test" : probe.stderrText.trimmed
        }
        return ModulePlan(result: result)
    }
}
