import ArgumentParser
import Deckhand
import Foundation

/// `deckhand exec STAGE -- COMMAND`: a command in the app's repo/ as the app user, venv and postactivate loaded.
struct ExecCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command in /webapps/<domain>/repo as the app user, with the venv and postactivate loaded.",
        discussion: """
            e.g. deckhand exec production -- python manage.py runscript seed_involvements. \
            It runs '<app_dir>/bin/appenv COMMAND' (installed by provision) through sudo -u <app_user>; the words \
            after -- are joined with spaces and read by the remote shell, as with ssh. Output streams through; \
            exits with the command's status. --check prints the command instead of running it.
            """)

    @Argument(help: ArgumentHelp("The stage (deckhand.yml) or inventory host (-i).", valueName: "stage"))
    var stage: String

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command, after --.", valueName: "command"))
    var command: [String] = []

    @OptionGroup var options: StageOptions

    func validate() throws {
        if command.isEmpty {
            throw ValidationError("Give the command after --, e.g. deckhand exec \(stage) -- python manage.py showmigrations")
        }
    }

    func run() async throws {
        let host = try StageHost.resolve(stage, options: options, verb: "exec")
        // The words after -- are shell text for the remote shell, as with ssh and `deckhand sh`: appended as
        // they are, after the wrapper's own (quoted) words.
        let wrapper = ShellCommand("sudo", "-n", "-H", "-u", try host.requiredText("app_user"),
                                   try host.requiredText("app_dir") + "/bin/appenv")
        let remote = ShellCommand.script(wrapper.rendered + " " + command.joined(separator: " "))
        if options.check || options.verbose > 0 {
            print("\(stage): \(remote)")
            if options.check { return }
        }
        let connection = try await host.connect(deckhand.connection)
        let result: CommandResult
        do {
            result = try await connection.run(remote, stdin: nil, output: Terminal.passThrough)
        } catch {
            await connection.close()
            if let error = error as? ConnectionError { throw DeckhandFailure(.unreachable, "\(stage): \(error.located)") }
            throw error
        }
        await connection.close()
        if let signal = result.exitSignal {
            Terminal.error("\(stage): the command was killed by signal \(signal).")
        }
        if result.exitStatus != 0 { throw ExitCode(result.exitStatus) }
    }
}
