import ArgumentParser
import Deckhand

extension HostKeyChecking: ExpressibleByArgument {}

/// How to reach hosts: the ssh config and the command-line settings that win over it.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customShort("F"), help: ArgumentHelp(
        "Read this ssh config file instead of ~/.ssh/config and /etc/ssh/ssh_config.", valueName: "file"))
    var configFile: String?

    @Option(help: ArgumentHelp(
        "strict: refuse unknown and changed host keys; accept-new: record unknown keys, refuse changed ones; "
            + "off: do not check (dangerous). Default: the ssh config's StrictHostKeyChecking, else strict.",
        valueName: "policy"))
    var hostKeyChecking: HostKeyChecking?

    @Option(help: ArgumentHelp(
        "Give up on a host after this long (TCP connect, handshake and login). Default: the ssh config's "
            + "ConnectTimeout, else 10.", valueName: "seconds"))
    var connectTimeout: Double?

    func validate() throws {
        if let connectTimeout, !(connectTimeout > 0 && connectTimeout <= 86400) {
            throw ValidationError("--connect-timeout must be a number of seconds above 0, got \(connectTimeout).")
        }
    }

    /// The settings as given on the command line.
    var settings: ConnectionSettings {
        ConnectionSettings(sshConfigFile: configFile, hostKeyChecking: hostKeyChecking, connectTimeout: connectTimeout)
    }

    /// Connections to `targets` (`[user@]host[:port]` or Host aliases), in the order given; a bad target or
    /// config line is a usage error before any connection.
    func connections(to targets: [String]) throws -> [SSHHostConnection] {
        let connector = try connector()
        do {
            return try targets.map { try connector.connection(to: $0) }
        } catch let error as ConnectionSettingsError {
            throw DeckhandFailure(.usage, error.description)
        }
    }

    /// The engine's way to hosts with these settings (over `ansible` for inventory hosts); a bad ssh config
    /// line is a usage error naming file and line, before any connection.
    func connector(over ansible: AnsibleConfig? = nil) throws -> HostConnector {
        do {
            return try HostConnector(settings: ansible.map { settings.over($0) } ?? settings)
        } catch let error as ConnectionSettingsError {
            throw DeckhandFailure(.usage, error.description)
        }
    }
}
