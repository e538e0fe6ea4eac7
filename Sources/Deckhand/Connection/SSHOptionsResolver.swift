import Foundation
import SSH

/// How deckhand reaches an inventory host over SSH: the ssh config resolves the address (Host aliases,
/// HostName, IdentityFile, ProxyJump...), then the inventory's ansible_user/port/key win, as in Ansible.
public struct SSHOptionsResolver: Sendable {
    public let config: SSHConfig
    public let overrides: SSHConfigOverrides

    public init(config: SSHConfig, overrides: SSHConfigOverrides = SSHConfigOverrides()) {
        self.config = config
        self.overrides = overrides
    }

    public func options(for variables: ConnectionVariables) throws -> SSHConnectOptions {
        let target = SSHTarget(user: variables.user, host: variables.address, port: variables.port)
        var options: SSHConnectOptions
        do {
            options = try config.resolve(target, overrides: overrides)
        } catch let error as SSHError {
            throw ConnectionError(host: variables.hostName, message: error.message)
        }
        if let key = variables.privateKeyFile {
            options.identityFiles = [key] + options.identityFiles.filter { $0 != key }
            options.identitiesOnly = true
        }
        return options
    }
}
