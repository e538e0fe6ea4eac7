import Foundation
import Jinja
import OrderedCollections

/// A task run in the background on the host (`async:`), as Ansible's async_wrapper runs it: detached from the
/// SSH channel (setsid, every stream redirected), killed after its seconds, its result written to
/// `~/.ansible_async/<jid>` — first `{"started": 1, "finished": 0, ...}`, then, in one rename, the module's
/// result. The streams travel base64-encoded (`stdout_base64`), so the shell writes valid JSON of any output
/// without a JSON encoder on the host; `async_status` decodes them.
public enum AsyncJob {
    /// Where jobs write their results unless `ansible_async_dir` says otherwise (Ansible's `async_dir`), under
    /// the (become) user's home.
    public static let defaultDirectory = "~/.ansible_async"

    /// The jobs' folder for a task: its `ansible_async_dir` variable, else the default.
    public static func directory(evaluate: (String) throws -> Value) -> String {
        if case .string(let text)? = try? evaluate("ansible_async_dir"), !text.isEmpty { return text }
        return defaultDirectory
    }

    /// Each script's first argument is the jobs' folder: `~` is the home of the user running it.
    static let folderPrelude = #"d=$1; case $d in "~") d=$HOME ;; "~/"*) d=$HOME/${d#"~/"} ;; esac; shift"#

    /// A job id as Ansible makes them: `j`, random digits, `.`, the controller's pid.
    public static func newID() -> String {
        "j" + String(UInt64.random(in: 100_000_000_000...999_999_999_999)) + "." + String(ProcessInfo.processInfo.processIdentifier)
    }

    /// Starts `command` in the background and prints the results file's path. `result` is what the module
    /// reports besides the command's output (its `cmd`, `changed`); `stdin` is kept in a file for the job.
    /// Every value reaches the shell as a quoted argument of a fixed script.
    public static func launch(id: String, seconds: Int, command: ShellCommand, result: ModuleResult,
                              stripsEmptyEnds: Bool, stdin: Data?, directory: String = defaultDirectory) -> ShellCommand {
        var recorded = result
        if !stripsEmptyEnds { recorded[keepEmptyEndsKey] = .bool(true) }
        // The record's opening: the module's result as JSON without its closing brace; the job adds the rest.
        let opening = String(recorded.registered.jsonText.dropLast())
        var launcher = ShellCommand(words: ["sh", "-c", launcherScript, "deckhand-async", directory, id, String(seconds), command.body,
                                            opening, jobScript, stdin == nil ? "0" : "1"])
        launcher.environment = command.environment
        return launcher
    }

    /// Writes `result` as a finished job's record at once (a command whose creates/removes skipped it has
    /// nothing to run, but async_status must still find its job) and prints the results file's path.
    public static func record(id: String, result: ModuleResult, directory: String = defaultDirectory) -> ShellCommand {
        ShellCommand("sh", "-c", """
            \(folderPrelude); umask 077
            mkdir -p "$d" || exit 1
            printf '%s\\n' "$2" >"$d/$1" && printf '%s\\n' "$d/$1"
            """, "deckhand-async", directory, id, result.registered.jsonText)
    }

    /// The key a record carries when the command's trailing line breaks are kept (strip_empty_ends: false).
    static let keepEmptyEndsKey = "_deckhand_keep_empty_ends"

    /// The folder, then $1 jid, $2 seconds, $3 the command, $4 the record's opening, $5 the job's script, $6
    /// whether stdin follows. The folder and the job's files are made private (umask 077: the output may hold
    /// secrets) without touching an existing folder's mode (ansible_async_dir may be /tmp); the command runs
    /// with the user's umask.
    static let launcherScript = """
        \(folderPrelude); f="$d/$1"; m=$(umask); umask 077
        mkdir -p "$d" || exit 1
        printf '{"started": 1, "finished": 0, "ansible_job_id": "%s"}\\n' "$1" >"$f" || exit 1
        if [ "$6" = 1 ]; then cat >"$f.stdin" || exit 1; else : >"$f.stdin"; fi
        : >"$f.out" && : >"$f.err" && : >"$f.tmp" || exit 1
        umask "$m"
        if command -v setsid >/dev/null 2>&1; then s=setsid; else s=nohup; fi
        $s sh -c "$5" deckhand-async-job "$f" "$2" "$3" "$4" </dev/null >/dev/null 2>&1 &
        printf '%s\\n' "$f"
        """

    /// $1 the results file, $2 seconds, $3 the command, $4 the record's opening. `timeout` signals the
    /// command's whole process group; its 124 after the full time is Ansible's "Timeout exceeded".
    static let jobScript = """
        s=$(date +%s.%N); S=$(date '+%Y-%m-%d %H:%M:%S.%6N')
        timeout -k 5 "$2" sh -c "$3" <"$1.stdin" >"$1.out" 2>"$1.err"; rc=$?
        e=$(date +%s.%N); E=$(date '+%Y-%m-%d %H:%M:%S.%6N')
        if [ "$rc" = 124 ] && [ $(( ${e%.*} - ${s%.*} )) -ge "$2" ]; then
          printf '{"failed": true, "msg": "Timeout exceeded"}\\n' >"$1.tmp"
        else
          { printf '%s, "rc": %s, "start": "%s", "end": "%s", "start_epoch": "%s", "end_epoch": "%s", "stdout_base64": "' \\
              "$4" "$rc" "$S" "$E" "$s" "$e"
            base64 <"$1.out" | tr -d '\\n'; printf '", "stderr_base64": "'
            base64 <"$1.err" | tr -d '\\n'; printf '"}\\n'; } >"$1.tmp"
        fi
        mv -f "$1.tmp" "$1"; rm -f "$1.out" "$1.err" "$1.stdin"
        """

    /// Prints the results file's path, then its content; exits 3 when there is no such file.
    static func statusProbe(id: String, directory: String = defaultDirectory) -> ShellCommand {
        ShellCommand("sh", "-c", """
            \(folderPrelude); f="$d/$1"; printf '%s\\n' "$f"
            if [ -f "$f" ]; then cat "$f"; else exit 3; fi
            """, "deckhand-async-status", directory, id)
    }

    /// What the results file says.
    enum Status {
        case missing(path: String)
        case running(path: String)
        /// The job's result as Ansible's async_status reports a finished one (streams decoded).
        case finished(path: String, result: ModuleResult)

        var path: String {
            switch self {
            case .missing(let path), .running(let path), .finished(let path, _): return path
            }
        }
    }

    static func status(from probe: CommandResult) -> Status {
        let text = probe.stdoutText
        let newline = text.firstIndex(of: "\n") ?? text.endIndex
        let path = String(text[..<newline])
        guard probe.exitStatus == 0 else { return .missing(path: path) }
        let body = newline < text.endIndex ? String(text[text.index(after: newline)...]) : ""
        // A record not yet (or half) written is a job still starting, as for Ansible's async_status.
        guard case .dict(let record)? = try? JSONFormat.decode(body), record["started"] == nil else {
            return .running(path: path)
        }
        return .finished(path: path, result: result(of: record))
    }

    /// A record as the module result it stands for: the command's output recorded as command does it.
    static func result(of record: OrderedDictionary<String, Value>) -> ModuleResult {
        var result = ModuleResult()
        result.changed = record["changed"]?.isTruthy ?? false
        result.failed = record["failed"]?.isTruthy ?? false
        if case .string(let msg)? = record["msg"] { result.msg = msg }
        let hidden: Set<String> = ["changed", "failed", "msg", "rc", "start_epoch", "end_epoch", "stdout_base64",
                                   "stderr_base64", keepEmptyEndsKey]
        for (key, value) in record where !hidden.contains(key) { result[key] = value }
        guard case .string(let stdout)? = record["stdout_base64"], case .string(let stderr)? = record["stderr_base64"]
        else { return result }
        let status: Int32 = {
            if case .int(let number)? = record["rc"] { return Int32(clamping: number) }
            return -1
        }()
        let output = CommandResult(exitStatus: status, stdout: Data(base64Encoded: stdout) ?? Data(),
                                   stderr: Data(base64Encoded: stderr) ?? Data())
        result.record(output, command: nil, stripEmptyEnds: record[keepEmptyEndsKey] == nil)
        if case .string(let start)? = record["start_epoch"], case .string(let end)? = record["end_epoch"],
           let started = Double(start), let ended = Double(end) {
            result["delta"] = .string(String(format: "%.3fs", max(0, ended - started)))
        }
        if status != 0 {
            result.failed = true
            result.msg = "non-zero return code"
        }
        return result
    }
}
