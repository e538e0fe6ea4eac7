import Foundation
import SSH

/// How the engine reaches hosts: the ssh config read once, the connection settings over it. Every SSH option
/// deckhand uses is worked out here, for an ad-hoc target (`sh`, `ping`) and for an inventory host alike.
/// Nothing connects until a connection's first command (or `connect()`).
public struct HostConnector: Sendable {
    public let settings: ConnectionSettings
    private let config: SSHConfig

    /// Reads the ssh config; a bad line throws `ConnectionSettingsError` naming file and line.
    public init(settings: ConnectionSettings = ConnectionSettings()) throws {
        self.settings = settings
        do {
            config = try SSHConfig.load(file: settings.sshConfigFile)
        } catch let error as SSHError {
            throw ConnectionSettingsError(error.description)
        }
    }

    /// A connection to `target` (`[user@]host[:port]` or a Host alias), resolved as ssh resolves it; the
    /// connection's host name is `target`. A target the config cannot resolve throws `ConnectionSettingsError`.
    public func connection(to target: String) throws -> SSHHostConnection {
        do {
            return SSHHostConnection(hostName: target, options: try config.resolve(target, overrides: overrides))
        } catch let error as SSHError {
            throw ConnectionSettingsError(error.description)
        }
    }

    /// An inventory host: local for `ansible_connection=local`, else SSH with the inventory's address, port,
    /// user and key over the ssh config (`ConnectionError` when the config cannot resolve it).
    public func connection(for variables: ConnectionVariables) throws -> Connection {
        switch variables.kind {
        case .local: return LocalConnection(hostName: variables.hostName)
        case .ssh: return SSHHostConnection(hostName: variables.hostName, options: try sshOptions(for: variables))
        }
    }

    /// The ssh config resolves the address (Host aliases, HostName, IdentityFile, ProxyJump...); then the
    /// inventory's ansible_user/port/key win, as in Ansible, and ansible.cfg's remote_user and
    /// private_key_file stand in for them when the inventory names none.
    func sshOptions(for variables: ConnectionVariables) throws -> SSHConnectOptions {
        let target = SSHTarget(user: variables.user ?? settings.remoteUser, host: variables.address, port: variables.port)
        var options: SSHConnectOptions
        do {
            options = try config.resolve(target, overrides: overrides)
        } catch let error as SSHError {
            throw ConnectionError(host: variables.hostName, message: error.message)
        }
        if let key = variables.privateKeyFile ?? settings.privateKeyFile {
            options.identityFiles = [key] + options.identityFiles.filter { $0 != key }
            options.identitiesOnly = true
        }
        return options
    }

    private var overrides: SSHConfigOverrides {
        SSHConfigOverrides(
            hostKeyPolicy: settings.hostKeyChecking.map { checking in
                switch checking {
                case .strict: return .strict
                case .acceptNew: return .acceptNew
                case .off: return .off
                }
            },
            connectTimeout: settings.connectTimeout.map { .milliseconds(Int(($0 * 1000).rounded())) })
    }
}
