import Deckhand
import Foundation

/// The host(s) a verb runs against: a stage of deckhand.yml, or a host/group of an Ansible inventory (-i).
struct StageTarget {
    var name: String
    var inventory: Inventory
    /// The host pattern to run on (the STAGE argument with -i; the stage's only host otherwise).
    var limit: String?
    /// The stage from deckhand.yml (nil with -i).
    var stage: Stage?
    /// The folder of deckhand.yml, whose playbooks/ override the built-in ones.
    var configDirectory: String?

    /// Reads deckhand.yml (or the -i inventories) and picks `name`; mistakes are `ValidationErrors` (exit 5).
    static func resolve(_ name: String, options: StageOptions) throws -> StageTarget {
        try options.vault.install()
        if !options.inventory.isEmpty {
            if options.config != nil {
                throw DeckhandFailure(.usage, "give either --config or -i, not both")
            }
            let inventory = try Inventory.load(from: options.inventory)
            let hosts = try inventory.hostNames(matching: HostPattern("all"), limit: name)
            if hosts.isEmpty {
                throw DeckhandFailure(.invalid, "'\(name)' is no host or group of \(options.inventory.joined(separator: ", "))")
            }
            return StageTarget(name: name, inventory: inventory, limit: name, stage: nil, configDirectory: nil)
        }
        let path: String
        if let config = options.config {
            path = config
        } else if let found = StageConfig.find(from: FileManager.default.currentDirectoryPath) {
            path = found
        } else {
            throw DeckhandFailure(.usage, """
                no \(StageConfig.fileName) in \(FileManager.default.currentDirectoryPath) or a folder above it: \
                run 'deckhand init' to write a commented example, give one with --config FILE, or use an Ansible \
                inventory with -i
                """)
        }
        let config = try StageConfig.load(path: path)
        let stage = try config.stage(name)
        return StageTarget(name: name, inventory: stage.inventory, limit: nil, stage: stage,
                           configDirectory: config.directory)
    }
}
