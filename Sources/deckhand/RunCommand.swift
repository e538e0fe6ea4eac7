import ArgumentParser
import Deckhand
import Foundation
import Jinja

/// `deckhand run PLAYBOOK -i INVENTORY`: ansible-playbook's job, with its options and exit codes.
struct RunCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an Ansible-compatible playbook against the hosts of an inventory.",
        discussion: """
            Exit status: 0 all hosts fine, 2 a host failed, 4 a host was unreachable, \
            5 the playbook or inventory is invalid (nothing was run), 1 any other error. \
            Hosts are reached through the ssh config (-F, --host-key-checking, --connect-timeout; see deckhand --help); \
            the inventory's ansible_host, ansible_port, ansible_user and ansible_ssh_private_key_file win over it. \
            ansible.cfg is read as Ansible finds it (ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, \
            /etc/ansible/ansible.cfg): inventory, roles_path, remote_user, private_key_file, forks, host_key_checking \
            and [privilege_escalation] become, become_method, become_user, become_ask_pass, with Ansible's \
            environment variables (ANSIBLE_REMOTE_USER, ANSIBLE_ROLES_PATH, ...) over it; the options here win over both.
            """)

    @Argument(help: ArgumentHelp("The playbook file.", valueName: "playbook"))
    var playbook: String

    @Option(name: [.short, .customLong("inventory")], help: ArgumentHelp(
        "Inventory file, folder, or comma-separated host list (repeatable; default: ansible.cfg's inventory).",
        valueName: "inventory"))
    var inventory: [String] = []

    @Option(name: [.short, .customLong("extra-vars")], help: ArgumentHelp(
        "Variables: key=value, @file.yml or JSON (repeatable; highest precedence).", valueName: "vars"))
    var extraVars: [String] = []

    @Option(name: [.short, .customLong("limit")], help: ArgumentHelp("Only these hosts (a host pattern).", valueName: "pattern"))
    var limit: String?

    @Flag(name: [.short, .customLong("check")], help: "Change nothing; modules report what they would change.")
    var check = false

    @Flag(name: [.short, .customLong("diff")], help: "Show the changes made (or, with --check, that would be) to files.")
    var diff = false

    @Option(name: [.short, .customLong("tags")], help: ArgumentHelp("Only tasks with these tags (comma-separated).", valueName: "tags"))
    var tags: [String] = []

    @Option(name: .customLong("skip-tags"), help: ArgumentHelp("Skip tasks with these tags.", valueName: "tags"))
    var skipTags: [String] = []

    @Option(name: .customLong("start-at-task"), help: ArgumentHelp("Start at the task with this name.", valueName: "name"))
    var startAtTask: String?

    @Option(name: [.short, .customLong("forks")], help: "How many hosts run a task at once (default: ansible.cfg's forks, else 50).")
    var forks: Int?

    @Flag(name: .short, help: "More output: -v results, -vv commands, -vvv commands and their output.")
    var verbose: Int

    @Flag(name: .customLong("list-hosts"), help: "List the hosts each play would run on, then stop.")
    var listHosts = false

    @Flag(name: .customLong("list-tasks"), help: "List the tasks each play would run, then stop.")
    var listTasks = false

    @Flag(name: .customLong("syntax-check"), help: ArgumentHelp(
        "Check the playbook with its roles and task files, then stop (no inventory needed, nothing connects).",
        discussion: "Tasks deckhand cannot run inside include_tasks/include_role are warnings: they fail only when reached."))
    var syntaxCheck = false

    @Option(name: .customLong("output"), help: ArgumentHelp(
        "human, or json: one JSON object per line per event and a final outcome object (README: Output for people and CI).",
        valueName: "format"))
    var output: OutputFormat = .human

    @Flag(name: .customLong("profile"), help: "After the run, list the slowest tasks with their durations.")
    var profile = false

    @Flag(name: [.customShort("K"), .customLong("ask-become-pass")], help: "Ask for the sudo/su password first.")
    var askBecomePass = false

    @Flag(name: .customLong("no-force-handlers"), help: "Do not run notified handlers on hosts that failed later.")
    var noForceHandlers = false

    @Option(name: .customLong("roles-path"), help: ArgumentHelp("Extra folders to find roles in (repeatable).", valueName: "dir"))
    var rolesPath: [String] = []

    @OptionGroup(title: "Ansible Vault") var vault: VaultOptions

    func validate() throws {
        if let forks, forks < 1 { throw ValidationError("--forks must be at least 1, got \(forks).") }
    }

    func run() async throws {
        if output == .json { JSONOutcome.expect(command: "run", stage: nil) }
        let stderr = FileHandle.standardError
        func fail(_ code: Int32, _ message: String) -> ExitCode {
            stderr.write(Data(("deckhand run: " + message + "\n").utf8))
            JSONOutcome.failed(exitCode: code, message: message)
            return ExitCode(code)
        }
        guard FileManager.default.fileExists(atPath: playbook) else {
            throw fail(1, "the playbook \(playbook) does not exist; give the path of a playbook file")
        }
        do {
            try vault.install()
        } catch let failure as DeckhandFailure {
            throw fail(failure.exitCode.rawValue, failure.message)
        }
        if syntaxCheck {
            do {
                let book = try AnsibleConfig.load().runOptions(rolesPath: rolesPath).loader.loadPlaybook(at: playbook)
                for warning in book.warnings { stderr.write(Data(("[WARNING]: " + warning.description + "\n").utf8)) }
            } catch let error as ValidationErrors {
                throw fail(5, error.description)
            } catch {
                throw fail(5, "\(error)")
            }
            print("\nplaybook: \(playbook)")
            return
        }
        // Everything is read and checked before any connection, so a bad playbook changes nothing.
        let loaded: PlaybookExecution
        do {
            loaded = try prepare()
        } catch let error as ValidationErrors {
            throw fail(5, error.description)
        } catch let error as Deckhand.ValidationError {
            throw fail(5, error.description)
        } catch let error as ExitCode {
            throw error
        } catch let failure as DeckhandFailure {
            throw fail(failure.exitCode.rawValue, failure.message)
        } catch {
            throw fail(5, "\(error)")
        }
        let (book, inventory) = (loaded.playbook, loaded.inventory)
        if listHosts {
            do {
                print(try PlaybookListing.hosts(book, inventory: inventory, limit: limit), terminator: "")
            } catch {
                throw fail(5, "\(error)")
            }
            return
        }
        if listTasks {
            print(PlaybookListing.tasks(book), terminator: "")
            return
        }
        let style: ReportStyle = output == .json ? .json : .stream
        let summary: RunSummary
        do {
            summary = try await loaded.run(connection: deckhand.connection,
                                           reporter: style.reporter(verbosity: verbose, profile: profile))
        } catch let failure as DeckhandFailure {
            throw fail(failure.exitCode.rawValue, failure.message)
        }
        JSONOutcome.write(ok: summary.exitCode == 0, exitCode: summary.exitCode, message: summary.exitCode == 0
            ? "every host ran the playbook" : summary.failureReason, checkMode: check)
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    }

    private func prepare() throws -> PlaybookExecution {
        let ansible = try AnsibleConfig.load()
        var execution = try PlaybookExecution.load(
            playbook: playbook, inventory: try Inventory.load(from: self.inventory.isEmpty ? ansible.inventory : self.inventory),
            rolesPath: rolesPath, ansible: ansible)
        let (book, inventory) = (execution.playbook, execution.inventory)
        var options = execution.options
        options.checkMode = check
        options.diffMode = diff
        options.tags = tags.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        options.skipTags = skipTags.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        options.startAtTask = startAtTask
        if let forks { options.forks = forks }
        options.verbosity = verbose
        options.limit = limit
        options.forceHandlers = !noForceHandlers
        options.extraVars = try ExtraVars.parse(extraVars)
        for play in book.plays where !play.varsPrompt.isEmpty {
            let answers = try VarsPromptReader.answers(for: play.varsPrompt, extraVars: options.extraVars.merging(options.promptedVars) { $1 })
            for (key, value) in answers { options.promptedVars[key] = value }
        }
        // -K asks even when the environment has a password; ansible.cfg's become_ask_pass gives way to it (CI).
        let fromEnvironment = ProcessInfo.processInfo.environment["DECKHAND_BECOME_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if askBecomePass || (ansible.becomeAskPass == true && fromEnvironment == nil) {
            options.becomePassword = try TerminalQuestion.secret(
                "BECOME password: ", asker: askBecomePass ? "-K" : "ansible.cfg's become_ask_pass",
                instead: "set DECKHAND_BECOME_PASSWORD (or ansible_become_password for the hosts)")
        } else if let fromEnvironment {
            options.becomePassword = fromEnvironment
        }
        // Surface unknown patterns now rather than as an empty play later.
        for play in book.plays {
            _ = try inventory.hostNames(matching: HostPattern(play.hosts), limit: limit)
        }
        execution.options = options
        return execution
    }
}
