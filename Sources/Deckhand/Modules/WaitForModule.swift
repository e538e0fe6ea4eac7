import Foundation
import Jinja
import SSH

/// wait_for: waits on the host until a port opens or closes, or a file appears, disappears or holds a text.
///
///     - wait_for: { port: 8000, host: 127.0.0.1, timeout: 30 }
public struct WaitForModule: Module {
    static let states = ["started", "stopped", "present", "absent", "drained"]

    public static let spec = ModuleSpec(
        name: "wait_for",
        arguments: [
            ArgumentSpec("host", default: .string("127.0.0.1"), doc: "Where the port is, as the host reaches it."),
            ArgumentSpec("port", type: .int, doc: "The TCP port to wait for."),
            ArgumentSpec("path", type: .path, doc: "The file to wait for."),
            ArgumentSpec("state", default: .string("started"), choices: states, doc: "started/stopped (port), present/absent (path); drained is not supported."),
            ArgumentSpec("timeout", type: .int, default: .int(300), doc: "Seconds before failing."),
            ArgumentSpec("delay", type: .int, default: .int(0), doc: "Seconds to wait before the first check."),
            ArgumentSpec("sleep", type: .int, default: .int(1), doc: "Seconds between checks."),
            ArgumentSpec("connect_timeout", type: .int, default: .int(5), doc: "Seconds for one connection attempt."),
            ArgumentSpec("search_regex", doc: "An extended regex the file (or what the port sends first) must match."),
            ArgumentSpec("msg", doc: "The failure message instead of the default."),
        ],
        mutuallyExclusive: [["port", "path"]],
        doc: "Polls on the host (POSIX shell, bash's /dev/tcp or nc for ports) until the condition holds or timeout "
            + "passes; reports elapsed seconds. Without port or path it just sleeps for timeout.",
        example: "- wait_for:\n    port: 8000\n    timeout: 30")

    var host: String
    var port: Int?
    var path: String?
    var state: String
    var timeout: Int
    var delay: Int
    var sleep: Int
    var connectTimeout: Int
    var searchRegex: String?
    var message: String?

    public init(_ arguments: ModuleArguments) throws {
        host = try arguments.string("host") ?? "127.0.0.1"
        port = try arguments.int("port")
        path = try arguments.string("path")
        state = try arguments.choice("state", WaitForModule.states, default: "started") ?? "started"
        timeout = try arguments.int("timeout") ?? 300
        delay = try arguments.int("delay") ?? 0
        sleep = max(1, try arguments.int("sleep") ?? 1)
        connectTimeout = max(1, try arguments.int("connect_timeout") ?? 5)
        searchRegex = try arguments.string("search_regex")
        message = try arguments.string("msg")
        if state == "drained" { throw ModuleArgumentError("state drained is not supported; use stopped") }
        if let port, !(1...65535).contains(port) { throw ModuleArgumentError("port \(port) is not between 1 and 65535") }
        if path != nil && (state == "started" || state == "stopped") { state = state == "started" ? "present" : "absent" }
        if port != nil && (state == "present" || state == "absent") { state = state == "present" ? "started" : "stopped" }
        // The host goes into a bash -c script (/dev/tcp), so only name and address characters are allowed.
        guard !host.isEmpty, host.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-:_[]".unicodeScalars.contains($0)) }) else {
            throw ModuleArgumentError("host \(host.debugDescription) is not a host name or address")
        }
    }

    /// The check that succeeds when the condition holds (exit 0).
    private var check: [ShellCommand.Part] {
        if let port {
            // bash's /dev/tcp where there is bash, else nc; the read for search_regex is bounded by timeout(1).
            let connect = "timeout \(connectTimeout) bash -c 'exec 3<>/dev/tcp/'\"$h\"'/\(port)' 2>/dev/null || nc -z -w \(connectTimeout) \"$h\" \(port) 2>/dev/null"
            if state == "started", let searchRegex {
                return [.syntax("{ timeout \(connectTimeout) bash -c 'exec 3<>/dev/tcp/'\"$h\"'/\(port); timeout \(connectTimeout) cat <&3' 2>/dev/null | grep -E -q -e"),
                        .word(searchRegex), .syntax("; }")]
            }
            return state == "started" ? [.syntax("{ \(connect); }")] : [.syntax("! { \(connect); }")]
        }
        if path != nil {
            if state == "present", let searchRegex {
                return [.syntax("{ test -e \"$p\" && grep -E -q -e"), .word(searchRegex), .syntax("-- \"$p\" 2>/dev/null; }")]
            }
            return state == "present" ? [.syntax("test -e \"$p\"")] : [.syntax("! test -e \"$p\"")]
        }
        return [.syntax("false")]
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        var parts: [ShellCommand.Part] = [.assignment("h", host), .syntax(";")]
        if let path { parts += [.assignment("p", path), .syntax(";")] }
        parts += [.syntax("sleep \(delay); start=$(date +%s); end=$((start + \(timeout))); while :; do if")] + check
        parts += [.syntax("; then echo \"elapsed $(( $(date +%s) - start ))\"; exit 0; fi;"),
                  .syntax("if test \"$(date +%s)\" -ge \"$end\"; then echo \"timeout $(( $(date +%s) - start ))\"; exit 0; fi; sleep \(sleep); done")]
        return ShellCommand(parts: parts, compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let line = (probe?.stdoutText ?? "").splitLines.last ?? ""
        let fields = line.split(separator: " ").map(String.init)
        var result = ModuleResult()
        result["elapsed"] = .int(fields.count > 1 ? Int(fields[1]) ?? 0 : 0)
        result["state"] = .string(state)
        if let port { result["port"] = .int(port) }
        if let path { result["path"] = .string(path) }
        if port == nil && path == nil { return .unchanged(result) }
        if fields.first != "elapsed" {
            let what = port.map { "\(host):\($0)" } ?? path ?? ""
            result.failed = true
            result.msg = message ?? "Timeout when waiting for \(what) to be \(state)"
                + (searchRegex.map { " matching \($0)" } ?? "") + " (after \(timeout)s)"
        }
        return ModulePlan(result: result)
    }
}
