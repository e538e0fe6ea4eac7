import ArgumentParser
import Deckhand
import Foundation
import Jinja
import SSH

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
        let (connection, remote) = try prepare()
        if options.check || options.verbose > 0 {
            print("\(stage): \(remote)")
            if options.check { return }
        }
        let sshOptions: SSHConnectOptions
        do {
            let config = try SSHConfig.load(file: deckhand.connection.configFile)
            let resolver = SSHOptionsResolver(config: config, overrides: SSHConfigOverrides(
                hostKeyPolicy: deckhand.connection.hostKeyChecking,
                connectTimeout: deckhand.connection.connectTimeout.map { .milliseconds(Int(($0 * 1000).rounded())) }))
            sshOptions = try resolver.options(for: connection)
        } catch {
            throw DeckhandFailure(.usage, "\(error)")
        }
        let result: CommandResult
        do {
            let session = try await SSHSession.connect(sshOptions)
            do {
                result = try await session.run(remote, stdin: nil) { stream, data in
                    Terminal.write(data, to: stream == .stdout ? STDOUT_FILENO : STDERR_FILENO)
                }
            } catch {
                await session.close()
                throw error
            }
            await session.close()
        } catch let error as SSHError {
            throw DeckhandFailure(.unreachable, "\(stage): \(error.description)")
        }
        if let signal = result.exitSignal {
            Terminal.error("\(stage): the command was killed by signal \(signal).")
        }
        if result.exitStatus != 0 { throw ExitCode(result.exitStatus) }
    }

    /// How to reach the stage's host, and the remote command line; the app user and folder are the playbooks'
    /// own variables (defaults.yml, the stage, -e), templated as a playbook would see them.
    private func prepare() throws -> (ConnectionVariables, String) {
        do {
            let target = try StageTarget.resolve(stage, options: options)
            let hosts = try target.inventory.hostNames(matching: HostPattern("all"), limit: target.limit)
            guard hosts.count == 1, let host = hosts.first else {
                throw DeckhandFailure(.usage, "exec runs on one host; '\(stage)' names \(hosts.count): \(hosts.joined(separator: ", "))")
            }
            var inventory = target.inventory
            let defaults = try BuiltInPlaybooks.locate("defaults.yml", explicit: options.playbooks,
                                                       configDirectory: target.configDirectory)
            try inventory.loadPlaybookVariables(directory: (defaults as NSString).deletingLastPathComponent)
            var layers = VariableLayers()
            layers.set(.inventory, inventory.variables(for: host))
            layers.set(.extraVars, try ExtraVars.parse(options.extraVars))
            let scope = TemplatedScope(layers: layers, magic: ["inventory_hostname": .string(host)])
            func text(_ name: String) throws -> String {
                let value = try TemplateRenderer.shared.render("{{ \(name) }}", scope).plainText
                guard !value.isEmpty else {
                    throw DeckhandFailure(.usage, "\(stage) has no \(name): set it in deckhand.yml (domain:, app_user:) or with -e \(name)=...")
                }
                return value
            }
            guard case .string(let domain)? = scope.rawValue(named: "domain"), !domain.isEmpty else {
                throw DeckhandFailure(.usage, "\(stage) has no domain: set 'domain:' for the stage in deckhand.yml (or -e domain=...)")
            }
            let appUser = try text("app_user")
            let appDir = try text("app_dir")
            let connection = ConnectionVariables(hostName: host, variables: inventory.variables(for: host))
            // The words after -- are shell text for the remote shell, as with ssh and `deckhand sh`: appended
            // as they are, after the wrapper's own (quoted) words.
            let wrapper = ShellCommand("sudo", "-n", "-H", "-u", appUser, appDir + "/bin/appenv")
            let remote = wrapper.rendered + " " + command.joined(separator: " ")
            return (connection, remote)
        } catch let error as ValidationErrors {
            throw DeckhandFailure(.invalid, error.description)
        } catch let error as Deckhand.ValidationError {
            throw DeckhandFailure(.invalid, error.description)
        } catch let error as ExtraVarsError {
            throw DeckhandFailure(.usage, error.description)
        } catch let error as DeckhandFailure {
            throw error
        } catch {
            throw DeckhandFailure(.usage, "\(stage): \(error)")
        }
    }
}
