import Foundation
import Jinja

/// wait_for: waits on the host until a port answers (or closes), a file appears (or goes), or a file holds a pattern.
///
///     - wait_for: { port: 8000, timeout: 30 }
///     - wait_for: { path: /webapps/app/run/gunicorn.sock }
public struct WaitForModule: Module {
    public static let spec = ModuleSpec(
        name: "wait_for",
        arguments: [
            ArgumentSpec("host", default: .string("127.0.0.1"), doc: "Where the port is, as seen from the host."),
            ArgumentSpec("port", type: .int, doc: "The TCP port."),
            ArgumentSpec("path", type: .path, doc: "A file to wait for."),
            ArgumentSpec("state", default: .string("started"), choices: ["started", "stopped", "present", "absent", "drained"],
                         doc: "started/present: wait until it is there; stopped/absent: until it is gone."),
            ArgumentSpec("timeout", type: .int, default: .int(300), doc: "Give up after this many seconds."),
            ArgumentSpec("delay", type: .int, default: .int(0), doc: "Seconds to wait before the first check."),
            ArgumentSpec("sleep", type: .int, default: .int(1), doc: "Seconds between checks."),
            ArgumentSpec("search_regex", doc: "Wait until the file holds a line matching this, or the port's first answer does (extended regex)."),
            ArgumentSpec("msg", doc: "The message on timeout."),
        ],
        mutuallyExclusive: [["port", "path"]],
        doc: "Waits, on the host, for a port, a file or a pattern in a file; fails after timeout.",
        example: "- wait_for:\n    port: 8000\n    timeout: 60")

    var host: String
    var port: Int?
    var path: String?
    var state: String
    var timeout: Int
    var delay: Int
    var sleep: Int
    var searchRegex: String?
    var message: String?

    public init(_ arguments: ModuleArguments) throws {
        host = try arguments.requiredString("host")
        port = try arguments.int("port")
        path = try arguments.string("path")
        state = try arguments.requiredString("state")
        timeout = try arguments.requiredInt("timeout")
        delay = try arguments.requiredInt("delay")
        sleep = max(1, try arguments.requiredInt("sleep"))
        searchRegex = try arguments.string("search_regex")
        message = try arguments.string("msg")
        if port == nil && path == nil && delay == 0 { throw ModuleArgumentError("give port or path (or a delay)") }
    }

    var waitsForAbsence: Bool { ["stopped", "absent", "drained"].contains(state) }

    /// One shell loop on the host: no round trip per check.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        var check: ShellCommand
        if let port {
            // host and port reach bash as arguments ($1, $2), never as script text: a host like `x$(reboot)` stays a name.
            check = ShellCommand("timeout", "2", "bash", "-c", "</dev/tcp/$1/$2", "wait_for", host, String(port)).silencingErrors
            if let searchRegex, !waitsForAbsence {
                // What the service says first (a banner) must match: read for at most 2 seconds per try.
                check = ShellCommand("timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/$1/$2 && timeout 2 cat <&3", "wait_for", host, String(port))
                    .silencingErrors.pipe(ShellCommand("grep", "-Eq", "--", searchRegex))
            }
        } else if let path, let searchRegex {
            check = ShellCommand("grep", "-Eq", "--", searchRegex, path).silencingErrors
        } else if let path {
            check = ShellCommand("test", "-e", path)
        } else {
            check = ShellCommand("true")
        }
        if waitsForAbsence { check = ShellCommand(parts: [.syntax("!")] + check.grouped, compound: true) }
        return ShellCommand(parts: [
            .syntax("sleep \(delay); end=$(( $(date +%s) + \(timeout) )); while :; do if"), ] + check.grouped + [
            .syntax("; then echo ready; exit 0; fi; if [ $(date +%s) -ge $end ]; then echo timeout; exit 0; fi; sleep \(sleep); done"),
        ], compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let answer = probe?.stdoutText.trimmed ?? ""
        var result = ModuleResult(values: ["state": .string(state)])
        if let port { result["port"] = .int(port) }
        if let path { result["path"] = .string(path) }
        guard answer == "ready" else {
            let what = port.map { "\(host):\($0)" } ?? path ?? "the delay"
            result.failed = true
            result.msg = message ?? "Timeout when waiting for \(what) (\(timeout)s, state \(state))"
            return ModulePlan(result: result)
        }
        return .unchanged(result)
    }
}
