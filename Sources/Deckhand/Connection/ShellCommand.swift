import Foundation

/// A POSIX shell command built from typed words; `rendered` is the one place where words are quoted.
public struct ShellCommand: Sendable, Hashable, CustomStringConvertible {
    /// One piece of a command line: a word (always quoted) or shell syntax written by deckhand itself.
    enum Part: Sendable, Hashable {
        case word(String)
        case syntax(String)
        /// `name=value` with the value quoted as one word (shell variables the script itself uses).
        case assignment(String, String)
    }

    var parts: [Part]
    /// True once operators join commands; such commands are grouped with `{ ...; }` when composed further.
    var compound: Bool
    /// Variables exported before the command runs; their values travel on stdin, never on the command line
    /// (see CommandEnvironment.swift).
    var environment: [String: String] = [:]

    /// A simple command: the program and its arguments, each quoted as one word.
    public init(_ words: String...) {
        self.init(words: words)
    }

    public init(words: [String]) {
        self.parts = words.map(Part.word)
        self.compound = false
    }

    init(parts: [Part], compound: Bool, environment: [String: String] = [:]) {
        self.parts = parts
        self.compound = compound
        self.environment = environment
    }

    /// Shell text the user wrote (the `shell` and `raw` modules): passed through unquoted, on purpose.
    public static func script(_ text: String) -> ShellCommand {
        ShellCommand(parts: [.syntax(text)], compound: true)
    }

    public var isEmpty: Bool { parts.isEmpty }

    /// The command line, every word quoted; with an environment, it first reads the variables from stdin.
    public var rendered: String {
        environment.isEmpty ? body : CommandEnvironment.reader + " " + body
    }

    /// The command line without the environment reader.
    var body: String {
        var text = ""
        for part in parts {
            switch part {
            case .word(let word):
                if !text.isEmpty { text += " " }
                text += ShellCommand.quote(word)
            case .syntax(let syntax):
                // `;` closes the previous command: written right after it, as people write it.
                if !text.isEmpty && !syntax.hasPrefix(";") { text += " " }
                text += syntax
            case .assignment(let name, let value):
                if !text.isEmpty { text += " " }
                text += name + "=" + ShellCommand.quote(value)
            }
        }
        return text
    }

    public var description: String { rendered }

    /// POSIX single-quote quoting: any byte sequence survives; words of only safe characters stay bare.
    public static func quote(_ word: String) -> String {
        if word.isEmpty { return "''" }
        let safe = word.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".", "/", ",", ":", "@", "%", "+": return true
            default: return false
            }
        }
        if safe { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    // MARK: Composition

    /// Appends more words to this command.
    public func appending(_ words: String...) -> ShellCommand {
        appending(words: words)
    }

    public func appending(words: [String]) -> ShellCommand {
        ShellCommand(parts: parts + words.map(Part.word), compound: compound, environment: environment)
    }

    private func appending(parts more: [Part]) -> ShellCommand {
        ShellCommand(parts: parts + more, compound: compound, environment: environment)
    }

    /// Compound commands wrapped in `{ ...; }` so they compose without surprises of precedence.
    var grouped: [Part] {
        guard compound else { return parts }
        if case .syntax(let last)? = parts.last, last.trimmed.hasSuffix(";") {
            return [.syntax("{")] + parts + [.syntax("}")]
        }
        return [.syntax("{")] + parts + [.syntax("; }")]
    }

    private func joined(_ op: String, _ other: ShellCommand) -> ShellCommand {
        if isEmpty { return other }
        if other.isEmpty { return self }
        return ShellCommand(parts: grouped + [.syntax(op)] + other.grouped, compound: true,
                            environment: other.environment.merging(environment) { own, _ in own })
    }

    /// `self && other`
    public func and(_ other: ShellCommand) -> ShellCommand { joined("&&", other) }
    /// `self || other`
    public func or(_ other: ShellCommand) -> ShellCommand { joined("||", other) }
    /// `self | other`
    public func pipe(_ other: ShellCommand) -> ShellCommand { joined("|", other) }
    /// `self; other`
    public func then(_ other: ShellCommand) -> ShellCommand { joined(";", other) }

    /// `self > path` (or `>>` when appending).
    public func redirectingOutput(to path: String, append: Bool = false) -> ShellCommand {
        ShellCommand(parts: grouped + [.syntax(append ? ">>" : ">"), .word(path)], compound: true, environment: environment)
    }

    /// `self 2>/dev/null`
    public var silencingErrors: ShellCommand {
        ShellCommand(parts: grouped + [.syntax("2>/dev/null")], compound: true, environment: environment)
    }

    /// `self 2>&1`
    public var mergingErrors: ShellCommand {
        ShellCommand(parts: grouped + [.syntax("2>&1")], compound: true, environment: environment)
    }

    /// `/bin/sh -c 'self'`: one word for wrappers that take a single command (sudo, su). The environment
    /// stays outside: the inner shell inherits the exported variables.
    public func wrappedInShell(executable: String = "/bin/sh") -> ShellCommand {
        ShellCommand(parts: [.word(executable), .word("-c"), .word(body)], compound: false, environment: environment)
    }

    /// `cd DIR && self`
    public func inDirectory(_ directory: String?) -> ShellCommand {
        guard let directory, !directory.isEmpty else { return self }
        return ShellCommand("cd", directory).and(self)
    }

    /// The command with these variables exported for it. The values are not on the command line (anyone on
    /// the host can read that in `ps`): `Connection.run` sends them on stdin ahead of the command's own input.
    /// Variables the command already has win, as an inner `env` would.
    public func withEnvironment(_ more: [String: String]) -> ShellCommand {
        guard !more.isEmpty else { return self }
        return ShellCommand(parts: parts, compound: compound, environment: more.merging(environment) { _, own in own })
    }

    /// Runs the command as another user through sudo or su; its environment is read by the shell that runs
    /// as that user (sudo and su reset the environment).
    ///
    /// With a password, the first line of stdin is the password: a tiny askpass helper hands it to sudo, so
    /// the rest of stdin still reaches the command, and a NOPASSWD rule never sees the password as input.
    /// su reads a password only from a terminal: `Connection.run` refuses su with a password.
    public func becoming(_ become: Become) -> ShellCommand {
        switch become.method {
        case .sudo:
            guard become.password != nil else {
                return ShellCommand(words: ["sudo", "-H", "-n", "-u", become.user, "--", "/bin/sh", "-c", rendered])
            }
            // The password variable is gone before the command starts, even where sudoers keeps the environment.
            let sudo = ShellCommand(words: ["sudo", "-A", "-k", "-H", "-p", "", "-u", become.user, "--",
                                            "/bin/sh", "-c", "unset DECKHAND_BECOME_PW; " + rendered])
            return ShellCommand(parts: [
                .syntax("IFS= read -r DECKHAND_BECOME_PW || exit 1; export DECKHAND_BECOME_PW;"),
                .syntax("a=$(mktemp \"${HOME:-/tmp}/.deckhand-askpass.XXXXXX\") || exit 1;"),
                .syntax("printf '#!/bin/sh\\nprintf \"%%s\\\\n\" \"$DECKHAND_BECOME_PW\"\\n' >\"$a\" && chmod 700 \"$a\" &&"),
                .syntax("SUDO_ASKPASS=\"$a\""),
            ] + sudo.parts + [.syntax("; rc=$?; rm -f \"$a\"; exit $rc")], compound: true)
        case .su:
            return ShellCommand("su", "-s", "/bin/sh", become.user, "-c", rendered)
        }
    }

    // MARK: Common commands

    /// `test -e PATH` and friends.
    public static func test(_ flag: String, _ path: String) -> ShellCommand {
        ShellCommand("test", flag, path)
    }

    /// Writes stdin to `path` atomically: a temporary file beside it, mode and owner set, then rename.
    /// Without `mode`/`owner`/`group` the replaced file's are kept (new files get 0644 and the login user).
    /// `validate` (words, `%s` standing for the file) runs on the temporary file first: a failing check
    /// leaves the old file in place.
    ///
    /// The rename happens only when the temporary file holds exactly `size` bytes with the SHA-256 `sha256`:
    /// when the connection drops, `cat` merely sees the end of its input, so a cut-short upload must be told
    /// apart from a whole one here, on the host (it exits 75 and removes its temporary file). A temporary file
    /// carries the pid of the shell that writes it, so one left by a writer that was killed outright (its
    /// shell gone) is removed by the next write to the same path.
    ///
    /// With `expected`, the rename is a compare-and-swap: under a lock on the directory (flock, which other
    /// deckhand writers take too) the file must still be as the caller read it, else it exits 76 and the
    /// caller reads it again (two runs editing one file must not lose each other's lines).
    public static func atomicWrite(to path: String, mode: Int?, owner: String?, group: String?,
                                   validate: [String]? = nil, size: Int, sha256: String,
                                   expected: FileExpectation? = nil) -> ShellCommand {
        let filling: [Part] = [
            .syntax("cat >\"$tmp\" || { rm -f \"$tmp\"; exit 1; };"),
            .syntax("n=$(wc -c <\"$tmp\"); s=$(sha256sum <\"$tmp\");"),
            .syntax("if test \"$n\" != \(size) || test \"${s%% *}\" != \(quote(sha256)); then rm -f \"$tmp\";"),
            .syntax("echo \"received $n of \(size) bytes (or other bytes than were sent): the upload was cut short\" >&2;"),
            .syntax("exit \(uploadCutShortStatus); fi;"),
        ]
        // Without a mode the replaced file's is kept; a new file gets 0644.
        let tmp = Part.syntax("\"$tmp\"")
        let keptMode: [Part] = [.syntax("{ if test -e"), .word(path), .syntax("; then chmod"), .word("--reference=" + path),
                                tmp, .syntax("; else chmod 644"), tmp, .syntax("; fi; }")]
        return atomicReplace(path, filling: filling, mode: mode, keptMode: keptMode, owner: owner, group: group,
                             keepsOwner: true, validate: validate, expected: expected)
    }

    /// Copies the host file `source` to `path` atomically, as Ansible's copy with remote_src: a temporary copy
    /// beside `path` (without `mode`: the source's mode where it replaces a file, 0666 less the umask where it
    /// is new, as Ansible's atomic_move; owned by the user running it unless `owner` or `group` is given),
    /// checked by `validate`, then renamed over `path`.
    public static func atomicCopy(from source: String, to path: String, mode: Int?, owner: String?, group: String?,
                                  validate: [String]? = nil) -> ShellCommand {
        let filling: [Part] = [.word("cp"), .word("--"), .word(source), .syntax("\"$tmp\" || { rm -f \"$tmp\"; exit 1; };")]
        let sourceMode: [Part] = [.syntax("{ if test -e"), .word(path), .syntax("; then chmod"), .word("--reference=" + source),
                                  .syntax("\"$tmp\"; else chmod \"$(printf %o $((0666 & ~$(umask))))\" \"$tmp\"; fi; }")]
        return atomicReplace(path, filling: filling, mode: mode, keptMode: sourceMode, owner: owner, group: group,
                             keepsOwner: false, validate: validate, expected: nil)
    }

    /// The common steps of atomicWrite and atomicCopy: stale temporary files of killed writers removed, a new
    /// one made beside `path` and filled by `filling` (which exits on failure), validated, given its mode and
    /// owner, then renamed over `path` (with `expected`, only if `path` is still as it was read).
    private static func atomicReplace(_ path: String, filling: [Part], mode: Int?, keptMode: [Part], owner: String?,
                                      group: String?, keepsOwner: Bool, validate: [String]?,
                                      expected: FileExpectation?) -> ShellCommand {
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        let prefix = quote((directory.isEmpty ? "" : directory + "/") + ".\(base).deckhand.")
        let tmp = Part.syntax("\"$tmp\"")
        var script: [Part] = [
            .syntax("for f in \(prefix)*; do test -e \"$f\" || continue; p=${f##*.deckhand.}; p=${p%%.*};"),
            .syntax("test -d \"/proc/$p\" || rm -f \"$f\"; done 2>/dev/null;"),
            .syntax("tmp=$(mktemp \(prefix)$$.XXXXXX) || exit 1;"),
        ] + filling
        if let validate, !validate.isEmpty {
            for word in validate {
                if word.contains("%s") {
                    // The temporary name is a shell variable: quoted pieces around "$tmp", one word for the shell.
                    let pieces = word.components(separatedBy: "%s")
                    script.append(.syntax(pieces.map { $0.isEmpty ? "" : quote($0) }.joined(separator: "\"$tmp\"")))
                } else {
                    script.append(.word(word))
                }
            }
            script.append(.syntax("&&"))
        }
        if let mode {
            script += [.word("chmod"), .word(String(mode, radix: 8)), tmp, .syntax("&&")]
        } else {
            script += keptMode + [.syntax("&&")]
        }
        if owner != nil || group != nil {
            let spec = (owner ?? "") + (group.map { ":" + $0 } ?? "")
            script += [.word("chown"), .word(spec), tmp, .syntax("&&")]
        } else if keepsOwner {
            script += [.syntax("{ ! test -e"), .word(path), .syntax("|| chown"), .word("--reference=" + path),
                       tmp, .syntax("2>/dev/null || true; }"), .syntax("&&")]
        }
        let rename: [Part] = [.word("mv"), .word("-f"), tmp, .word(path)]
        if let expected {
            let unchanged: String
            switch expected {
            case .absent: unchanged = "! test -e " + quote(path)
            case .sha1(let hex):
                unchanged = "test -f \(quote(path)) && test \"$(sha1sum <\(quote(path)) | cut -c1-40)\" = \(quote(hex))"
            }
            script += [.syntax("{ flock -x 9 2>/dev/null; if \(unchanged); then")] + rename
                + [.syntax("; else echo"), .word("\(path) changed since deckhand read it"),
                   .syntax(">&2; (exit \(contentChangedStatus)); fi; } 9<"), .word(directory.isEmpty ? "." : directory)]
        } else {
            script += rename
        }
        script.append(.syntax("|| { rc=$?; rm -f \"$tmp\" 2>/dev/null; exit $rc; }"))
        return ShellCommand(parts: script, compound: true)
    }

    /// The exit status of `atomicWrite` when the file changed since the caller read it (nothing was written).
    public static let contentChangedStatus: Int32 = 76

    /// The exit status of `atomicWrite` when fewer or other bytes arrived than were sent (EX_TEMPFAIL).
    public static let uploadCutShortStatus: Int32 = 75
}

/// How and as whom commands are run with privilege.
public struct Become: Sendable, Hashable {
    public enum Method: String, Sendable { case sudo, su }
    public var method: Method
    public var user: String
    /// Sent on stdin ahead of the command's own input; never printed.
    public var password: String?

    public init(method: Method = .sudo, user: String = "root", password: String? = nil) {
        self.method = method
        self.user = user
        self.password = password
    }
}
