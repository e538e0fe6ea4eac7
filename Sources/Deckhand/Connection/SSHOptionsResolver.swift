import Foundation
import SSH

/// How deckhand reaches an inventory host over SSH: the inventory's ansible_* variables over the ssh config.
public enum SSHOptionsResolver {
    public static func options(for variables: ConnectionVariables, configFile: String?) throws -> SSHConnectOptions {
        ConnectionPool.defaultSSHOptions(variables)
    }
}
