import Foundation

/// How unknown and changed host keys are treated (OpenSSH's StrictHostKeyChecking), as the user names it.
public enum HostKeyChecking: String, CaseIterable, Sendable {
    /// Unknown or changed keys are refused.
    case strict
    /// Unknown keys are recorded in the first known_hosts file; changed keys are refused.
    case acceptNew = "accept-new"
    /// Keys are not checked at all (the SSH layer warns about every such connection).
    case off
}

/// How to reach hosts, as the user configured it: the ssh config file, the settings that win over it (the
/// command line), and the login defaults of ansible.cfg that inventory hosts fall back to.
public struct ConnectionSettings: Sendable, Hashable {
    /// Read this file alone instead of ~/.ssh/config and /etc/ssh/ssh_config (`-F`).
    public var sshConfigFile: String?
    /// Wins over the ssh config's StrictHostKeyChecking, for the target and every jump host.
    public var hostKeyChecking: HostKeyChecking?
    /// Seconds for TCP connect, handshake and login; wins over the ssh config's ConnectTimeout.
    public var connectTimeout: Double?
    /// The login user of inventory hosts that name none (ansible.cfg's remote_user); wins over the ssh config's User.
    public var remoteUser: String?
    /// The key of inventory hosts that name none (ansible.cfg's private_key_file).
    public var privateKeyFile: String?

    public init(sshConfigFile: String? = nil, hostKeyChecking: HostKeyChecking? = nil, connectTimeout: Double? = nil,
                remoteUser: String? = nil, privateKeyFile: String? = nil) {
        self.sshConfigFile = sshConfigFile
        self.hostKeyChecking = hostKeyChecking
        self.connectTimeout = connectTimeout
        self.remoteUser = remoteUser
        self.privateKeyFile = privateKeyFile
    }

    /// These settings over ansible.cfg's, as Ansible layers them: what is set here (the command line) wins;
    /// `host_key_checking = False` turns checking off; remote_user and private_key_file fill in.
    public func over(_ config: AnsibleConfig) -> ConnectionSettings {
        var settings = self
        if settings.hostKeyChecking == nil, config.hostKeyChecking == false { settings.hostKeyChecking = .off }
        settings.remoteUser = settings.remoteUser ?? config.remoteUser
        settings.privateKeyFile = settings.privateKeyFile ?? config.privateKeyFile
        return settings
    }
}

/// The ssh config or a connection setting is wrong: nothing was connected. Says the file and line.
public struct ConnectionSettingsError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
