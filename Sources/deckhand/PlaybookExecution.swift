import ArgumentParser
import Deckhand
import Foundation

/// What `run` and every verb share: a loaded playbook run against an inventory through the engine, as the user
/// configured the connection (-F, --host-key-checking, --connect-timeout) and ansible.cfg says.
struct PlaybookExecution {
    var playbook: Deckhand.Playbook
    var inventory: Inventory
    var options: RunOptions
    /// ansible.cfg and Ansible's environment variables: login, roles, forks and become defaults.
    var ansible: AnsibleConfig

    /// Loads `path` and the playbook's group_vars/host_vars into `inventory`, finding roles in `rolesPath` then
    /// ansible.cfg's roles_path; a mistake throws before anything runs.
    static func load(playbook path: String, inventory: Inventory, rolesPath: [String] = [],
                     ansible: AnsibleConfig) throws -> PlaybookExecution {
        let options = ansible.runOptions(rolesPath: rolesPath)
        let book = try options.loader.loadPlaybook(at: path)
        var inventory = inventory
        try inventory.loadPlaybookVariables(directory: book.directory)
        return PlaybookExecution(playbook: book, inventory: inventory, options: options, ansible: ansible)
    }

    /// Runs the playbook, reporting to `reporter`; the summary's exit code is ansible-playbook's.
    func run(connection: ConnectionOptions, reporter: RunReporter) async throws -> RunSummary {
        let pool = ConnectionPool(connector: try connection.connector(over: ansible))
        let runner = PlaybookRunner(inventory: inventory, options: options, pool: pool,
                                    reporter: TaskBoundaryStop.wrapping(reporter))
        return await runner.run(playbook)
    }
}
