import Foundation
import Jinja

/// docker_container's networks: the networks a container must be connected to, with their addresses, aliases
/// and links. As community.docker, a difference here connects or disconnects the container, never recreates it;
/// with networks_cli_compatible the first network is the network_mode `docker run` starts it on.
struct ContainerNetworks: Sendable {
    /// One wanted network and what its endpoint must have.
    struct Network: Equatable, Sendable {
        var name: String
        var ipv4Address: String?
        var ipv6Address: String?
        var aliases: [String]
        /// `container:alias`, as Docker lists an endpoint's links.
        var links: [String]
        var macAddress: String?

        /// The endpoint's settings as the diff shows them.
        var rendered: String {
            var fields = ["name": ContainerValue.text(name)]
            if let ipv4Address { fields["ipv4_address"] = .text(ipv4Address) }
            if let ipv6Address { fields["ipv6_address"] = .text(ipv6Address) }
            if !aliases.isEmpty { fields["aliases"] = .texts(aliases) }
            if !links.isEmpty { fields["links"] = .texts(links) }
            if let macAddress { fields["mac_address"] = .text(macAddress) }
            return ContainerValue.dict(fields).rendered
        }
    }

    static let arguments = [
        ArgumentSpec("networks", type: .raw, doc: "Networks to connect it to: a list of {name, ipv4_address, ipv6_address, "
                        + "aliases, links, mac_address}; a difference connects or disconnects, it does not recreate. With "
                        + "comparisons networks: strict, other networks are disconnected."),
        ArgumentSpec("networks_cli_compatible", type: .bool, default: .bool(true),
                     doc: "As docker run: the first of networks is network_mode unless that is given."),
    ]

    var wanted: [Network]

    init(_ arguments: ModuleArguments, container: String) throws {
        guard let given = arguments.value("networks") else {
            wanted = []
            return
        }
        guard case .list(let items) = given else {
            throw ModuleArgumentError("networks of docker_container \(container) must be a list of {name: ...}, got \(given.shortText)")
        }
        wanted = try items.map { item in
            guard case .dict(let fields) = item, let name = fields["name"]?.displayText, !name.isEmpty else {
                throw ModuleArgumentError("each of the networks of docker_container \(container) needs a name, got \(item.shortText)")
            }
            func text(_ key: String) -> String? { fields[key].map(\.displayText).flatMap { $0.isEmpty ? nil : $0 } }
            func list(_ key: String) -> [String] {
                if case .list(let items)? = fields[key] { return items.map(\.displayText) }
                return text(key).map { $0.split(separator: ",").map { String($0).trimmed } } ?? []
            }
            let links = list("links").map { link in link.contains(":") ? link : link + ":" + link }
            return Network(name: name, ipv4Address: text("ipv4_address"), ipv6Address: text("ipv6_address"), aliases: list("aliases"),
                           links: links, macAddress: text("mac_address")?.replacingOccurrences(of: "-", with: ":"))
        }
    }

    /// The `docker run` words for the first network's endpoint (the network itself comes with network_mode).
    var firstNetworkWords: [String] {
        guard let first = wanted.first else { return [] }
        var words: [String] = []
        if let ip = first.ipv4Address { words += ["--ip", ip] }
        if let ip = first.ipv6Address { words += ["--ip6", ip] }
        for alias in first.aliases { words += ["--network-alias", alias] }
        for link in first.links { words += ["--link", link] }
        if let mac = first.macAddress { words += ["--mac-address", mac] }
        return words
    }

    /// `docker network connect` for every wanted network but the one `docker run` started it on.
    func connectingNew(_ container: String, startedOn networkMode: String?) -> [ShellCommand] {
        wanted.filter { $0.name != networkMode }.map { connect($0, container) }
    }

    /// What differs between the wanted networks and the container's (inspect's first object), and the commands that
    /// close the gap: connect the missing ones, reconnect the different ones, and with `strict` disconnect the rest.
    func changes(_ inspected: [String: Any], container: String, mode: ComparisonMode)
        -> (differences: [ContainerConfig.Difference], commands: [ShellCommand]) {
        guard !wanted.isEmpty, mode != .ignore else { return ([], []) }
        let connected = (inspected["NetworkSettings"] as? [String: Any])?["Networks"] as? [String: Any] ?? [:]
        var differences: [ContainerConfig.Difference] = []
        var commands: [ShellCommand] = []
        for network in wanted {
            guard let endpoint = connected[network.name] as? [String: Any] else {
                differences.append(.init(field: "networks.\(network.name)", before: "(not connected)", after: network.rendered))
                commands.append(connect(network, container))
                continue
            }
            let have = Self.endpoint(endpoint, name: network.name)
            if !Self.satisfies(have, network) {
                differences.append(.init(field: "networks.\(network.name)", before: have.rendered, after: network.rendered))
                commands += [ShellCommand("docker", "network", "disconnect", network.name, container), connect(network, container)]
            }
        }
        if mode == .strict {
            for name in connected.keys.sorted() where !wanted.contains(where: { $0.name == name }) {
                differences.append(.init(field: "networks.\(name)", before: "connected", after: "(not connected)"))
                commands.append(ShellCommand("docker", "network", "disconnect", name, container))
            }
        }
        return (differences, commands)
    }

    /// community.docker's has_network_differences: given addresses equal, aliases and links present.
    private static func satisfies(_ have: Network, _ want: Network) -> Bool {
        func address(_ text: String?) -> String? { text.map { $0.lowercased() } }
        if want.ipv4Address != nil && address(want.ipv4Address) != address(have.ipv4Address) { return false }
        if want.ipv6Address != nil && address(want.ipv6Address) != address(have.ipv6Address) { return false }
        if !Set(have.aliases).isSuperset(of: want.aliases) || !Set(have.links).isSuperset(of: want.links) { return false }
        return want.macAddress == nil || want.macAddress == have.macAddress
    }

    private static func endpoint(_ endpoint: [String: Any], name: String) -> Network {
        let ipam = endpoint["IPAMConfig"] as? [String: Any] ?? [:]
        func text(_ value: Any?) -> String? { (value as? String).flatMap { $0.isEmpty ? nil : $0 } }
        return Network(name: name, ipv4Address: text(ipam["IPv4Address"]), ipv6Address: text(ipam["IPv6Address"]),
                       aliases: endpoint["Aliases"] as? [String] ?? [], links: endpoint["Links"] as? [String] ?? [],
                       macAddress: text(endpoint["MacAddress"]))
    }

    private func connect(_ network: Network, _ container: String) -> ShellCommand {
        var words = ["docker", "network", "connect"]
        if let ip = network.ipv4Address { words += ["--ip", ip] }
        if let ip = network.ipv6Address { words += ["--ip6", ip] }
        for alias in network.aliases { words += ["--alias", alias] }
        for link in network.links { words += ["--link", link] }
        return ShellCommand(words: words + [network.name, container])
    }
}
