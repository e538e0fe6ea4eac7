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
            let resolved = try targets.map { try config.resolve($0, overrides: overrides) }
            warnAboutUncheckedHostKeys(resolved, targets: targets)
            return resolved
        } catch let error as SSHError {
            throw DeckhandFailure(.usage, error.description)
        }
    }

    private func warnAboutUncheckedHostKeys(_ resolved: [SSHConnectOptions], targets: [String]) {
        var unchecked: [String] = []
        for (target, options) in zip(targets, resolved) {
            for hop in options.jumpHosts + [options] where hop.hostKeyPolicy == .off {
                let name = hop.host == target ? target : "\(target) (\(hop.host))"
                if !unchecked.contains(name) { unchecked.append(name) }
            }
        }
        guard !unchecked.isEmpty else { return }
        Terminal.warning("""
            HOST KEY CHECKING IS OFF for \(unchecked.joined(separator: ", ")). deckhand cannot tell these hosts \
            from an impostor that intercepts the connection. Use --host-key-checking accept-new to record \
            unknown keys instead.
            """)
    }
}
