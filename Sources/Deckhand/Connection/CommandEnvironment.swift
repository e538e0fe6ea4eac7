import Foundation

/// How a command's environment reaches the host without appearing on its command line (which every user
/// there can read in `ps`): the command line starts with a fixed reader, and stdin starts with a small script
/// of `export NAME='value'` lines, counted so the reader stops exactly where the command's own input begins
/// (`read` takes one byte at a time from a pipe).
enum CommandEnvironment {
    /// Reads a line count, then that many lines, and evaluates them; a short or bad script stops the command.
    static let reader = "IFS= read -r __deckhand_n || exit 125; __deckhand_s=;"
        + " while [ \"$__deckhand_n\" -gt 0 ]; do IFS= read -r __deckhand_l || exit 125;"
        + " __deckhand_s=\"$__deckhand_s$__deckhand_l\n\"; __deckhand_n=$((__deckhand_n - 1)); done;"
        + " eval \"$__deckhand_s\" || exit 125; unset __deckhand_n __deckhand_s __deckhand_l;"

    /// The stdin prefix the reader expects for `environment` (empty for none).
    static func input(for environment: [String: String]) -> Data {
        guard !environment.isEmpty else { return Data() }
        let script = environment.keys.sorted().map { name in
            "export \(name)=\(ShellCommand.quote(environment[name] ?? ""))\n"
        }.joined()
        let lines = script.utf8.filter { $0 == UInt8(ascii: "\n") }.count
        return Data("\(lines)\n\(script)".utf8)
    }

    /// A name the shell accepts after `export` (anything else would make the reader fail on the host).
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || ("a"..."z").contains(first) || ("A"..."Z").contains(first)
        else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }
}

extension ShellCommand {
    /// What must precede the command's own stdin: its environment script.
    var environmentInput: Data { CommandEnvironment.input(for: environment) }

    /// The command as `-vv` shows it: the names of its variables (never their values), then the command line.
    public var displayed: String {
        environment.isEmpty ? rendered : "(environment on stdin: \(environment.keys.sorted().joined(separator: " "))) " + body
    }
}
