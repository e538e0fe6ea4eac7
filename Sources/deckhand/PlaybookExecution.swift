import ArgumentParser
import Deckhand
import Foundation
import SSH

/// What `run` and every verb share: a loaded playbook run against an inventory over ssh, as the user configured
/// the connection (-F, --host-key-checking, --connect-timeout).
struct PlaybookExecution {
    var playbook: Deckhand.Playbook
    var inventory: Inventory
    var options: RunOptions

    /// Loads `path` and the playbook's group_vars/host_vars into `inventory`; a mistake throws before anything runs.
    static func load(playbook path: String, inventory: Inventory, rolesPath: [String] = []) throws -> PlaybookExecution {
        let loader = PlaybookLoader(rolesPath: rolesPath + environmentRolesPath)
        let book = try loader.loadPlaybook(at: path)
        var inventory = inventory
        try inventory.loadPlaybookVariables(directory: book.directory)
        var options = RunOptions()
        options.loader = loader
        return PlaybookExecution(playbook: book, inventory: inventory, options: options)
    }

    /// Runs the playbook, reporting to `reporter`; the summary's exit code is ansible-playbook's.
    func run(connection: ConnectionOptions, reporter: RunReporter) async throws -> RunSummary {
        let resolver: SSHOptionsResolver
        do {
            resolver = SSHOptionsResolver(config: try SSHConfig.load(file: connection.configFile),
                                          overrides: SSHConfigOverrides(
                                              hostKeyPolicy: connection.hostKeyChecking,
                                              connectTimeout: connection.connectTimeout.map {
                                                  .milliseconds(Int(($0 * 1000).rounded())) }))
        } catch {
            throw DeckhandFailure(.usage, "\(error)")
        }
        var options = self.options
        options.sshConfigFile = connection.configFile
        let pool = ConnectionPool.standard { variables in try resolver.options(for: variables) }
        let runner = PlaybookRunner(inventory: inventory, options: options, pool: pool,
                                    reporter: TaskBoundaryStop.wrapping(reporter))
        return await runner.run(playbook)
    }

    static var environmentRolesPath: [String] {
        (ProcessInfo.processInfo.environment["ANSIBLE_ROLES_PATH"] ?? "").split(separator: ":").map(String.init)
    }
}
