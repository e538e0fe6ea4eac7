import Deckhand
import Foundation
import Jinja

/// The verbs that talk to a stage's host without a playbook (exec, logs tail) start from the engine's
/// `StageHost`: the variables the built-in playbooks see (defaults.yml, the stage, -e) and its connection.
extension StageHost {
    /// Resolves `stage` to its single host; `verb` names the command in messages. Mistakes exit 1 or 5, as
    /// with the verbs that run playbooks.
    static func resolve(_ stage: String, options: StageOptions, verb: String) throws -> StageHost {
        do {
            return try DeckhandFailure.reportingInputErrors { try resolveHost(stage, options: options, verb: verb) }
        } catch let error as DeckhandFailure {
            throw error
        } catch let error as StageHostError {
            throw DeckhandFailure(.usage, error.description)
        } catch {
            throw DeckhandFailure(.usage, "\(stage): \(error)")
        }
    }

    private static func resolveHost(_ stage: String, options: StageOptions, verb: String) throws -> StageHost {
        let target = try StageTarget.resolve(stage, options: options)
        let hosts = try target.inventory.hostNames(matching: HostPattern("all"), limit: target.limit)
        guard hosts.count == 1, let host = hosts.first else {
            throw DeckhandFailure(.usage, "\(verb) runs on one host; '\(stage)' names \(hosts.count): \(hosts.joined(separator: ", "))")
        }
        let defaults = try BuiltInPlaybooks.locate("defaults.yml", explicit: options.playbooks,
                                                   configDirectory: target.configDirectory)
        let stageHost = try StageHost(stage: stage, host: host, inventory: target.inventory,
                                      playbookDirectory: (defaults as NSString).deletingLastPathComponent,
                                      extraVars: try ExtraVars.parse(options.extraVars), ansible: try AnsibleConfig.load())
        guard case .string(let domain)? = try? stageHost.variables.value(named: "domain"), !domain.isEmpty else {
            throw DeckhandFailure(.usage, "\(stage) has no domain: set 'domain:' for the stage in deckhand.yml (or -e domain=...)")
        }
        return stageHost
    }

    /// A variable as text, a mistake exiting 1 with where to set it.
    func requiredText(_ name: String) throws -> String {
        do {
            return try text(name)
        } catch let error as StageHostError {
            throw DeckhandFailure(.usage, error.description)
        }
    }

    /// A variable with its structure, a mistake exiting 1 with where to set it.
    func requiredValue(_ name: String) throws -> Value {
        do {
            return try value(name)
        } catch let error as StageHostError {
            throw DeckhandFailure(.usage, error.description)
        }
    }

    /// Root, as `become: true` in the built-in playbooks, the password from DECKHAND_BECOME_PASSWORD when the
    /// stage sets none.
    func root() throws -> Become {
        do {
            let password = ProcessInfo.processInfo.environment["DECKHAND_BECOME_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
            return try becomeRoot(defaultPassword: password)
        } catch let error as StageHostError {
            throw DeckhandFailure(.usage, error.description)
        }
    }

    /// Logs in as the connection options (-F, --host-key-checking, --connect-timeout), ansible.cfg and the
    /// stage say; unreachable exits 4.
    func connect(_ options: ConnectionOptions) async throws -> Connection {
        let connection: Connection
        do {
            connection = try self.connection(through: try options.connector(over: ansible))
        } catch let error as ConnectionError {
            throw DeckhandFailure(.usage, error.description)
        }
        do {
            try await connection.connect()
        } catch let error as ConnectionError {
            throw DeckhandFailure(.unreachable, "\(stage): \(error.located)")
        }
        return connection
    }
}
