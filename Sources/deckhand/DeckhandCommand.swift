import ArgumentParser
import Foundation

@main
struct DeckhandCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deckhand",
        abstract: "Operate a Django web host over SSH with Ansible-compatible playbooks.",
        discussion: """
            TARGET is [user@]host[:port] or a Host alias of the ssh config (~/.ssh/config, or the file given \
            with -F), resolved as ssh resolves it: HostName, User, Port, IdentityFile, ProxyJump and the rest.

            EXIT STATUS
              0   success
              1   usage error or bad ssh config
              2   a host failed a task (run and the verbs)
              4   a host is unreachable (connection, host key or login failed)
              5   the playbook, inventory or deckhand.yml is invalid; nothing was run (run and the verbs)
              130 interrupted by a second Ctrl-C (deploy, rollback: the lock then stays)
              sh  exits with the remote command's status, or 128+N when a signal N killed it

            A question with no terminal to ask on (stdin is not one: cron, CI) is a usage error (1) naming the \
            flag or variable that answers it; deckhand never waits for input there. \
            --output json (run and every verb): one JSON object per line per event, the last one the outcome \
            {"event": "outcome", "ok": ..., "exit_code": ...}; the README's "Output for people and CI" has the \
            schema.
            """,
        version: "deckhand \(BuildInfo.version) (commit \(BuildInfo.commit))",
        // One line per subcommand, in the order `deckhand --help` lists them.
        subcommands: [
            PingCommand.self,
            ShCommand.self,
            RunCommand.self,
            TemplateCommand.self,
            DocCommand.self,
            InitCommand.self,
            ProvisionCommand.self,
            StatusCommand.self,
            DoctorCommand.self,
            MaintenanceCommand.self,
            BackupCommand.self,
            LogsCommand.self,
            CertsCommand.self,
            ExecCommand.self,
            DeployCommand.self,
            RollbackCommand.self,
            LockCommand.self,
            HistoryCommand.self,
            VaultCommand.self,
        ]
    )

    @OptionGroup var connection: ConnectionOptions

    /// Ends the process once the output is out, without the C library's exit handlers: the session thread of a
    /// host that froze mid-command may still sit inside libssh2 and OpenSSL, and OpenSSL's clean-up at exit
    /// would free the locks under it (a crash after the run's outcome was already reported).
    static func finish(_ code: Int32) -> Never {
        fflush(stdout)
        fflush(stderr)
        _exit(code)
    }

    /// Maps failures to the documented exit codes: usage errors exit 1, not swift-argument-parser's 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            finish(0)
        } catch let failure as DeckhandFailure {
            Terminal.error(failure.message)
            JSONOutcome.failed(exitCode: failure.exitCode.rawValue, message: failure.message)
            finish(failure.exitCode.rawValue)
        } catch let code as ExitCode {
            if code.rawValue != 0 { JSONOutcome.failed(exitCode: code.rawValue, message: "exit status \(code.rawValue) (see stderr)") }
            finish(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                var message = fullMessage(for: error)
                if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
                Terminal.error(message)
                if JSONOutcome.requested(in: CommandLine.arguments) {
                    JSONOutcome.expect(command: CommandLine.arguments.dropFirst().first ?? "deckhand", stage: nil)
                    JSONOutcome.failed(exitCode: DeckhandExit.usage.rawValue, message: message)
                }
                Foundation.exit(DeckhandExit.usage.rawValue)
            }
            JSONOutcome.failed(exitCode: code.rawValue, message: "\(error)")
            exit(withError: error)
        }
    }
}
