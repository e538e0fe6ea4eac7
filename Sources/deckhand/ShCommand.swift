import ArgumentParser
import Deckhand
import Foundation

/// `deckhand sh TARGET -- COMMAND`: one ad-hoc command, its output and exit status passed through.
struct ShCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sh",
        abstract: "Run one command on a host, passing its output and exit status through.",
        discussion: """
            As with ssh, the words after -- are joined with spaces and run by the remote login shell, so \
            quote what the remote shell must see as one word: deckhand sh web -- 'ls -l "/srv/my app"'. \
            stdout and stderr stream through as they arrive. Exits with the command's status (128+N when \
            signal N killed it), 4 when the host is unreachable. The connection options (-F, \
            --host-key-checking, --connect-timeout) go before or after 'sh'; see deckhand --help.
            """
    )

    @ParentCommand var deckhand: DeckhandCommand

    @Flag(help: "Read standard input to its end, then send it to the command (by default the command gets no input).")
    var stdin = false

    @Option(name: .customLong("output"), help: ArgumentHelp(
        "human (the output passed through), or json: one object per output line and a final outcome object.",
        valueName: "format"))
    var output: OutputFormat = .human

    @Argument(help: ArgumentHelp("[user@]host[:port] or a Host alias of the ssh config.", valueName: "target"))
    var target: String

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command, after --.", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        if command.isEmpty {
            throw ValidationError("Give the command after --, e.g. deckhand sh \(target) -- uptime")
        }
    }

    func run() async throws {
        if output == .json { JSONOutcome.expect(command: "sh", stage: nil) }
        guard let connection = try deckhand.connection.connections(to: [target]).first else { return }
        let input = stdin ? FileHandle.standardInput.readDataToEndOfFile() : nil

        let lines = CommandOutputLines()
        let result: CommandResult
        do {
            // The words are the remote shell's text, as with ssh.
            result = try await connection.run(.script(command.joined(separator: " ")), stdin: input,
                                              output: output == .json ? lines.handler : Terminal.passThrough)
            lines.finish()
        } catch {
            await connection.close()
            if let error = error as? ConnectionError { throw DeckhandFailure(.unreachable, error.located) }
            throw error
        }
        await connection.close()

        if let signal = result.exitSignal {
            Terminal.error("\(target): the command was killed by signal \(signal).")
        }
        JSONOutcome.write(ok: result.exitStatus == 0, exitCode: result.exitStatus,
                          message: "\(target): the command exited with status \(result.exitStatus)")
        if result.exitStatus != 0 { throw ExitCode(result.exitStatus) }
    }
}
