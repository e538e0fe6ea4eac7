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
            It runs '<app_dir>/bin/appenv bash -c COMMAND' (installed by provision) through sudo -u <app_user>; the \
            words after -- are joined with spaces and read by that shell, as the app user, as with ssh. Output streams through; \
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
        if options.output == .json { JSONOutcome.expect(command: "exec", stage: stage) }
        let host = try StageHost.resolve(stage, options: options, verb: "exec")
        let remote = ExecCommand.remoteCommandLine(command, appUser: try host.requiredText("app_user"),
                                                   appDirectory: try host.requiredText("app_dir"))
        if options.check || options.verbose > 0 {
            if options.output == .human { print("\(stage): \(remote.rendered)") }
            if options.check {
                JSONOutcome.write(ok: true, exitCode: 0, message: "\(stage): \(remote.rendered)", checkMode: true)
                return
            }
        }
        let connection = try await host.connect(deckhand.connection)
        let lines = CommandOutputLines()
        let result: CommandResult
        do {
            result = try await connection.run(remote, stdin: nil,
                                              output: options.output == .json ? lines.handler : Terminal.passThrough)
            lines.finish()
        } catch {
            await connection.close()
            if let error = error as? ConnectionError { throw DeckhandFailure(.unreachable, "\(stage): \(error.located)") }
            throw error
        }
        await connection.close()
        if let signal = result.exitSignal {
            Terminal.error("\(stage): the command was killed by signal \(signal).")
        }
        JSONOutcome.write(ok: result.exitStatus == 0, exitCode: result.exitStatus,
                          message: "\(stage): the command exited with status \(result.exitStatus)")
        if result.exitStatus != 0 { throw ExitCode(result.exitStatus) }
    }

    /// The line the login shell runs. The words after -- are shell text, as with ssh and `deckhand sh`, but
    /// read by a shell running as the app user inside appenv: `a ';' b` runs both as the app user, where the
    /// words appended to the login shell's line ran `b` as the login user.
    static func remoteCommandLine(_ command: [String], appUser: String, appDirectory: String) -> ShellCommand {
        ShellCommand("sudo", "-n", "-H", "-u", appUser, appDirectory + "/bin/appenv",
                     "/bin/bash", "-c", command.joined(separator: " "))
    }
}
