import Deckhand
import Foundation
import Jinja
import SSH

/// The one host of a stage and its variables as the built-in playbooks see them (defaults.yml, the stage, -e):
/// what the verbs that talk to the host themselves, without a playbook (exec, logs tail), start from.
struct StageHost {
    let stage: String
    let connection: ConnectionVariables
    let scope: TemplatedScope

    /// Resolves `stage` to its single host; `verb` names the command in messages. Mistakes exit 1 or 5, as
    /// with the verbs that run playbooks.
    static func resolve(_ stage: String, options: StageOptions, verb: String) throws -> StageHost {
        do {
            let target = try StageTarget.resolve(stage, options: options)
            let hosts = try target.inventory.hostNames(matching: HostPattern("all"), limit: target.limit)
            guard hosts.count == 1, let host = hosts.first else {
                throw DeckhandFailure(.usage, "\(verb) runs on one host; '\(stage)' names \(hosts.count): \(hosts.joined(separator: ", "))")
            }
            var inventory = target.inventory
            let defaults = try BuiltInPlaybooks.locate("defaults.yml", explicit: options.playbooks,
                                                       configDirectory: target.configDirectory)
            try inventory.loadPlaybookVariables(directory: (defaults as NSString).deletingLastPathComponent)
            var layers = VariableLayers()
            layers.set(.inventory, inventory.variables(for: host))
            let extraVars = try ExtraVars.parse(options.extraVars)
            layers.set(.extraVars, extraVars)
            let scope = TemplatedScope(layers: layers, magic: ["inventory_hostname": .string(host)])
            guard case .string(let domain)? = scope.rawValue(named: "domain"), !domain.isEmpty else {
                throw DeckhandFailure(.usage, "\(stage) has no domain: set 'domain:' for the stage in deckhand.yml (or -e domain=...)")
            }
            // -e wins over the inventory for the connection too (ansible_become_method=su…), as in Ansible.
            var connectionVariables = inventory.variables(for: host)
            for (name, value) in extraVars { connectionVariables[name] = value }
            let connection = ConnectionVariables(hostName: host, variables: connectionVariables)
            return StageHost(stage: stage, connection: connection, scope: scope)
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

    /// A variable templated as a playbook would see it; empty or undefined says where to set it.
    func text(_ name: String) throws -> String {
        let value: String
        do {
            value = try TemplateRenderer.shared.render("{{ \(name) }}", scope).plainText
        } catch {
            throw DeckhandFailure(.usage, "\(stage): could not work out \(name): \(error)")
        }
        guard !value.isEmpty else {
            throw DeckhandFailure(.usage, "\(stage) has no \(name): set it in deckhand.yml (domain:, app_user:) or with -e \(name)=...")
        }
        return value
    }

    /// A variable with its structure (lists, mappings), every string in it templated.
    func value(_ name: String) throws -> Value {
        do {
            guard let value = try scope.value(named: name) else {
                throw DeckhandFailure(.usage, "\(stage) has no \(name): the built-in playbooks' defaults.yml sets it; set it in deckhand.yml or with -e")
            }
            return value
        } catch let error as DeckhandFailure {
            throw error
        } catch {
            throw DeckhandFailure(.usage, "\(stage): could not work out \(name): \(error)")
        }
    }

    /// Root, as `become: true` in the built-in playbooks: the stage's ansible_become_method/_password, or
    /// DECKHAND_BECOME_PASSWORD.
    var becomeRoot: Become {
        let method = connection.becomeMethod.flatMap { Become.Method(rawValue: $0) } ?? .sudo
        let password = connection.becomePassword ?? ProcessInfo.processInfo.environment["DECKHAND_BECOME_PASSWORD"]
        return Become(method: method, user: "root", password: password)
    }

    /// Logs in as the connection options (-F, --host-key-checking, --connect-timeout) and the stage say.
    func connect(_ options: ConnectionOptions) async throws -> SSHSession {
        let sshOptions: SSHConnectOptions
        do {
            let config = try SSHConfig.load(file: options.configFile)
            let resolver = SSHOptionsResolver(config: config, overrides: SSHConfigOverrides(
                hostKeyPolicy: options.hostKeyChecking,
                connectTimeout: options.connectTimeout.map { .milliseconds(Int(($0 * 1000).rounded())) }))
            sshOptions = try resolver.options(for: connection)
        } catch {
            throw DeckhandFailure(.usage, "\(error)")
        }
        do {
            return try await SSHSession.connect(sshOptions)
        } catch let error as SSHError {
            throw DeckhandFailure(.unreachable, "\(stage): \(error.description)")
        }
    }
}
