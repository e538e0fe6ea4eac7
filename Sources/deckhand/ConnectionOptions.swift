import ArgumentParser
import SSH

extension HostKeyPolicy: ExpressibleByArgument {}

/// How to reach hosts: the ssh config and the command-line settings that win over it.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customShort("F"), help: ArgumentHelp(
        "Read this ssh config file instead of ~/.ssh/config and /etc/ssh/ssh_config.", valueName: "file"))
    var configFile: String?

    @Option(help: ArgumentHelp(
        "strict: refuse unknown and changed host keys; accept-new: record unknown keys, refuse changed ones; "
            + "off: do not check (dangerous). Default: the ssh config's StrictHostKeyChecking, else strict.",
        valueName: "policy"))
    var hostKeyChecking: HostKeyPolicy?

    @Option(help: ArgumentHelp(
        "Give up on a host after this long (TCP connect, handshake and login). Default: the ssh config's "
            + "ConnectTimeout, else 10.", valueName: "seconds"))
    var connectTimeout: Double?

    func validate() throws {
        if let connectTimeout, !(connectTimeout > 0 && connectTimeout <= 86400) {
            throw ValidationError("--connect-timeout must be a number of seconds above 0, got \(connectTimeout).")
        }
    }

    /// Connection options per target, in the order given; a bad target or config line fails before any connection.
    func resolve(_ targets: [String]) throws -> [SSHConnectOptions] {
        do {
            let config = try SSHConfig.load(file: configFile)
            let overrides = SSHConfigOverrides(
                hostKeyPolicy: hostKeyChecking,
                connectTimeout: connectTimeout.map { .milliseconds(Int(($0 * 1000).rounded())) }
            )
            // The SSH layer warns loudly about every host it connects to with host key checking off.
            return try targets.map { try config.resolve($0, overrides: overrides) }
        } catch let error as SSHError {
            throw DeckhandFailure(.usage, error.description)
        }
    }
}
