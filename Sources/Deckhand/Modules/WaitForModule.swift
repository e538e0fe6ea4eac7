import Foundation
import Jinja
import OrderedCollections

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
                         doc: "started/present: wait until it is there; stopped/absent: until it is gone; drained: until "
                            + "no connection to the port is active."),
            ArgumentSpec("timeout", type: .int, default: .int(300),
                         doc: "Give up after this many seconds (with neither port nor path: just wait this long)."),
            ArgumentSpec("active_connection_states", type: .list,
                         default: .list(["ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "SYN_RECV", "SYN_SENT", "TIME_WAIT"].map(Value.string)),
                         doc: "With state drained: the TCP states that count as an active connection."),
            ArgumentSpec("connect_timeout", type: .int, default: .int(5), doc: "Seconds one connection attempt may take."),
            ArgumentSpec("delay", type: .int, default: .int(0), doc: "Seconds to wait before the first check."),
            ArgumentSpec("sleep", type: .int, default: .int(1), doc: "Seconds between checks."),
            ArgumentSpec("search_regex",
                         doc: "Wait until the file (or the port's first answer) matches this Python regular expression "
                            + "(multiline); its groups are reported as match_groups and match_groupdict."),
            ArgumentSpec("msg", doc: "The message on timeout."),
        ],
        mutuallyExclusive: [["port", "path"]],
        doc: "Waits, on the host, for a port, a file or a pattern in a file (or just for `timeout` seconds); fails "
            + "after timeout. Reports elapsed seconds, and the regex's groups as match_groups/match_groupdict.",
        example: "- wait_for:\n    port: 8000\n    timeout: 60")

    var host: String
    var port: Int?
    var path: String?
    var state: String
    var timeout: Int
    var connectTimeout: Int
    var delay: Int
    var sleep: Int
    var searchRegex: String?
    var message: String?
    /// /proc/net/tcp's codes of the states that keep a port from being drained.
    var activeStateCodes: [String]

    /// The kernel's TCP state codes (include/net/tcp_states.h), as /proc/net/tcp shows them.
    static let stateCodes = [
        "ESTABLISHED": "01", "SYN_SENT": "02", "SYN_RECV": "03", "FIN_WAIT1": "04", "FIN_WAIT2": "05", "TIME_WAIT": "06",
        "CLOSE": "07", "CLOSE_WAIT": "08", "LAST_ACK": "09", "LISTEN": "0A", "CLOSING": "0B",
    ]

    public init(_ arguments: ModuleArguments) throws {
        host = try arguments.requiredString("host")
        port = try arguments.int("port")
        path = try arguments.string("path")
        state = try arguments.requiredString("state")
        timeout = try arguments.requiredInt("timeout")
        connectTimeout = max(1, try arguments.requiredInt("connect_timeout"))
        delay = try arguments.requiredInt("delay")
        sleep = max(0, try arguments.requiredInt("sleep"))
        searchRegex = try arguments.string("search_regex")
        message = try arguments.string("msg")
        activeStateCodes = try arguments.requiredList("active_connection_states").map { name in
            guard let code = Self.stateCodes[name] else {
                throw ModuleArgumentError("unknown active_connection_state (\(name)) defined")
            }
            return code
        }
        if port != nil && path != nil {
            throw ModuleArgumentError("port and path parameter can not both be passed to wait_for")
        }
        if path != nil, state == "stopped" || state == "drained" {
            throw ModuleArgumentError("state=\(state) should only be used for checking a port in the wait_for module")
        }
        if let searchRegex {
            do { _ = try PythonRegex(searchRegex, multiline: true) } catch {
                throw ModuleArgumentError("Invalid regular expression: \(searchRegex)")
            }
        }
    }

    var waitsForAbsence: Bool { ["stopped", "absent"].contains(state) }

    /// Neither port nor path: Ansible's wait_for then only sleeps `timeout` seconds.
    var onlySleeps: Bool { port == nil && path == nil && state != "drained" }

    /// Python's `re` syntax as grep's PCRE reads it, multiline as Ansible compiles it.
    var pcre: String? { searchRegex.map { "(?m)" + $0.replacingOccurrences(of: "\\Z", with: "\\z") } }

    /// One shell loop on the host (no round trip per check), timed there in nanoseconds as Ansible's loop:
    /// the delay counts in the timeout. It prints `ready` or `timeout` and the whole seconds elapsed, then
    /// (for a file and a pattern) the first match, for its groups.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        var check: ShellCommand
        if state == "drained", let port {
            // Connections on the local port in one of the active states (codes from the table above, never user text).
            let states = activeStateCodes.isEmpty ? "^$" : "^(" + activeStateCodes.joined(separator: "|") + ")$"
            check = ShellCommand("awk", "-v", "p=" + String(format: ":%04X", port), "-v", "s=" + states,
                                 "$2 ~ p \"$\" && $4 ~ s { n++ } END { exit (n > 0) }",
                                 "/proc/net/tcp", "/proc/net/tcp6").silencingErrors
        } else if let port {
            // host and port reach bash as arguments ($1, $2), never as script text: a host like `x$(reboot)` stays a name.
            check = ShellCommand("timeout", String(connectTimeout), "bash", "-c", "</dev/tcp/$1/$2", "wait_for", host,
                                 String(port)).silencingErrors
            if let pcre, !waitsForAbsence {
                // What the service says first (a banner) must match: read for at most 2 seconds per try.
                check = ShellCommand("timeout", String(connectTimeout), "bash", "-c", "exec 3<>/dev/tcp/$1/$2 && timeout 2 cat <&3",
                                     "wait_for", host, String(port))
                    .silencingErrors.pipe(ShellCommand("grep", "-aqzP", "--", pcre))
            }
        } else if let path, let pcre, !waitsForAbsence {
            check = ShellCommand("grep", "-aqzP", "--", pcre, path).silencingErrors
        } else if let path {
            check = ShellCommand("test", "-e", path)
        } else {
            check = ShellCommand("true")
        }
        if waitsForAbsence { check = ShellCommand(parts: [.syntax("!")] + check.grouped, compound: true) }
        var loop: [ShellCommand.Part] = [
            .syntax("s=$(date +%s%N); end=$((s + \(timeout) * 1000000000)); sleep \(delay);")]
        if onlySleeps {
            loop += [.syntax("sleep \(timeout); r=ready;")]
        } else {
            loop += [.syntax("r=timeout; while [ $(date +%s%N) -lt $end ]; do if")] + check.grouped
                + [.syntax("; then r=ready; break; fi; sleep \(sleep); done;")]
        }
        loop.append(.syntax("e=$(date +%s%N); echo \"$r $(( (e - s) / 1000000000 ))\""))
        if let path, let pcre, !waitsForAbsence {
            loop += [.syntax("; if [ $r = ready ]; then grep -aozP -m1 --"), .word(pcre), .word(path),
                     .syntax("2>/dev/null | head -c 65536; fi")]
        }
        return ShellCommand(parts: loop, compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let output = probe?.stdoutText ?? ""
        let firstLine = output.prefix { $0 != "\n" }
        let answer = firstLine.split(separator: " ")
        let elapsed = answer.count > 1 ? Int(answer[1]) ?? 0 : 0
        guard answer.first == "ready" else {
            return ModulePlan(result: .failure(message ?? timeoutMessage, values: ["elapsed": .int(elapsed)]))
        }
        var groups: [Value] = []
        var named = OrderedDictionary<String, Value>()
        if let searchRegex, output.count > firstLine.count + 1 {
            let matched = String(output.dropFirst(firstLine.count + 1).prefix { $0 != "\0" })
            let regex = try PythonRegex(searchRegex, multiline: true)
            if let match = regex.firstMatch(in: matched) {
                for index in 1..<max(1, match.numberOfRanges) {
                    let text = try regex.group(match, String(index), in: matched)
                    groups.append(text.map(Value.string) ?? .none)
                }
                for name in groupNames(searchRegex) {
                    named[name] = try regex.group(match, name, in: matched).map(Value.string) ?? Value.none
                }
            }
        }
        return .unchanged(ModuleResult(values: [
            "state": .string(state), "port": port.map(Value.int) ?? .none, "search_regex": searchRegex.map(Value.string) ?? .none,
            "match_groups": .list(groups), "match_groupdict": .dict(named), "path": path.map(Value.string) ?? .none,
            "elapsed": .int(elapsed),
        ]))
    }

    /// The pattern's `(?P<name>...)` groups in the order written (Python's groupdict keeps it).
    func groupNames(_ pattern: String) -> [String] {
        pattern.components(separatedBy: "(?P<").dropFirst().compactMap { piece in
            piece.firstIndex(of: ">").map { String(piece[..<$0]) }
        }
    }

    /// Ansible's words for each kind of wait that ran out of time.
    var timeoutMessage: String {
        let address = "\(host):\(port.map(String.init) ?? "None")"
        switch (state, port, path) {
        case ("drained", _, _): return "Timeout when waiting for \(address) to drain"
        case ("stopped", _, nil), ("absent", _, nil): return "Timeout when waiting for \(address) to stop."
        case ("stopped", _, let path?), ("absent", _, let path?): return "Timeout when waiting for \(path) to be absent."
        case (_, .some, _):
            return searchRegex.map { "Timeout when waiting for search string \($0) in \(address)" }
                ?? "Timeout when waiting for \(address)"
        case (_, _, let path?):
            return searchRegex.map { "Timeout when waiting for search string \($0) in \(path)" }
                ?? "Timeout when waiting for file \(path)"
        default: return "Timeout when waiting"
        }
    }
}
