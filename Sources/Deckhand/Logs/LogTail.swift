/// `deckhand logs tail`: one remote `tail` over the chosen logs, its `==> file <==` headers telling which log
/// each line comes from (read back by `LogTailReader`).
///
/// With `follow`, tail runs until the channel closes. libssh2 1.10 cannot send a signal over the channel, and a
/// `tail -F` waiting for new lines writes nothing, so it might never notice the reader left: a watchdog beside
/// it writes an empty line to stderr every second, and the first write that fails (the channel is gone) kills
/// tail. GNU tail 8.28+ also notices a closed stdout by itself; the watchdog covers every other tail and sudo
/// setups that relay the output.
public struct LogTail: Sendable, Hashable {
    public var logs: [AppLog]
    /// How many of the last lines of each log to print first.
    public var lines: Int
    /// Keep printing new lines (tail -F: follows a log through rotation, and one that appears later).
    public var follow: Bool
    /// Every line of each log from its start instead of the last `lines` (what --grep and --since search).
    public var wholeLogs: Bool

    public init(logs: [AppLog], lines: Int = 10, follow: Bool = false, wholeLogs: Bool = false) {
        self.logs = logs
        self.lines = lines
        self.follow = follow
        self.wholeLogs = wholeLogs
    }

    /// The command to run (as root: nginx's logs are readable by root and adm only).
    public var command: ShellCommand {
        // -v: a header even for one file, so every line has a source. C locale: messages LogTailReader knows.
        var words = ["tail", "-v", "-n", wholeLogs ? "+1" : String(max(0, lines))]
        if follow { words.append("-F") }
        words.append("--")
        words += logs.map(\.path)
        let tail = ShellCommand(parts: [.assignment("LC_ALL", "C")] + words.map(ShellCommand.Part.word), compound: false)
        guard follow else { return tail }
        return ShellCommand(parts: tail.parts + [
            .syntax("& tail_pid=$!;"),
            .syntax("trap 'kill $tail_pid 2>/dev/null' EXIT;"),
            // The failed write raises SIGPIPE: exit (running the EXIT trap) instead of dying without it; where
            // SIGPIPE was ignored before the shell started (then no trap can catch it), echo fails instead.
            .syntax("trap 'exit 0' HUP INT TERM PIPE;"),
            .syntax("while kill -0 $tail_pid 2>/dev/null; do sleep 1; echo >&2 || exit 0; done;"),
            .syntax("wait $tail_pid"),
        ], compound: true)
    }
}
