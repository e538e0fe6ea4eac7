import Foundation

/// How community.docker normalises a docker_container parameter before comparing it with inspect's value:
/// sizes in bytes, durations in nanoseconds, ports as Docker's port bindings, `name:value` strings as objects.
enum ContainerValueParsing {
    /// Ansible's human_to_bytes: `512m`, `512M`, `512MB`, `1.5g`, `2 gigabytes` or bare bytes. `512mb` is refused as
    /// Ansible refuses it (a two-letter unit must be `KB`, `MB`...).
    static func bytes(_ text: String, option: String) throws -> Int {
        let units: [Character: Int] = ["B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "P": 1 << 50, "E": 1 << 60]
        let names: [Character: String] = ["B": "byte", "K": "kilobyte", "M": "megabyte", "G": "gigabyte", "T": "terabyte",
                                          "P": "petabyte", "E": "exabyte"]
        let trimmed = text.trimmed
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        let unit = String(trimmed.dropFirst(digits.count)).trimmed
        guard let number = Double(digits) else {
            throw ModuleArgumentError("\(option) '\(text)' is not a size: give bytes or a number with a unit (512m, 2g)")
        }
        guard let first = unit.first else { return Int(number.rounded()) }
        let key = Character(first.uppercased())
        guard let factor = units[key], unit.allSatisfy({ $0.isLetter }),
              unit.count == 1 || unit == "\(key)B" || unit.lowercased() == names[key] else {
            throw ModuleArgumentError("\(option) '\(text)' has an unknown unit '\(unit)': use b, k, m, g, t (or KB, MB, GB)")
        }
        return Int((number * Double(factor)).rounded())
    }

    /// community.docker's durations (`1h2m3s`, `30s`, `500ms`, `10us`) in nanoseconds, as Docker keeps them.
    static func nanoseconds(_ text: String, option: String) throws -> Int {
        let units: [(suffix: String, factor: Int)] = [("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000),
                                                     ("ms", 1_000_000), ("us", 1_000)]
        var rest = Substring(text.trimmed)
        var total = 0
        var next = 0
        while !rest.isEmpty {
            let digits = rest.prefix(while: \.isNumber)
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix(while: \.isLetter)
            rest = rest.dropFirst(letters.count)
            // The units come in this order, each at most once, as community.docker's pattern has them.
            guard let value = Int(digits), let index = units[next...].firstIndex(where: { $0.suffix == letters }) else {
                throw ModuleArgumentError("\(option) '\(text)' is not a duration: write it as 1h2m3s, 30s, 500ms or 10us")
            }
            total += value * units[index].factor
            next = index + 1
        }
        return total
    }

    /// published_ports entries (`8080:80`, `127.0.0.1:8080:80/tcp`, `127.0.0.1::53/udp`, `[::1]:8080:80`,
    /// `8000-8001:8000-8001`, `80`) as Docker's PortBindings: `80/tcp` -> [{HostIp, HostPort}], the host address
    /// `defaultHostIp` where an entry names none, as community.docker sends them.
    static func portBindings(_ entries: [String], defaultHostIp: String) throws -> ContainerValue {
        var bindings: [String: [ContainerValue]] = [:]
        for entry in entries {
            guard entry != "all" else {
                throw ModuleArgumentError("published_ports: 'all' is no longer allowed (as community.docker says); set publish_all_ports: true "
                    + "instead (it publishes every exposed port the others leave)")
            }
            let parts = try colonParts(entry)
            var containerPart = parts[parts.count - 1]
            var proto = "tcp"
            if let slash = containerPart.firstIndex(of: "/") {
                proto = String(containerPart[containerPart.index(after: slash)...])
                containerPart = String(containerPart[..<slash])
            }
            let containerPorts = try portRange(containerPart, entry: entry)
            var hostIp = defaultHostIp
            var hostPorts: [String] = Array(repeating: "", count: containerPorts.count)
            if parts.count == 3 {
                hostIp = parts[0]
                guard hostIp.range(of: #"^([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+|\[[0-9a-fA-F:]+(%[^\]/]+)?\])$"#, options: .regularExpression) != nil else {
                    throw ModuleArgumentError("published port '\(entry)': the bind address must be an IPv4 or IPv6 address, "
                        + "not a host name (resolve it first, e.g. with the dig lookup)")
                }
                if hostIp.hasPrefix("[") { hostIp = String(hostIp.dropFirst().dropLast()) }
            }
            if parts.count >= 2 && !parts[parts.count - 2].isEmpty {
                let host = parts[parts.count - 2]
                hostPorts = containerPorts.count == 1 ? [host] : try portRange(host, entry: entry).map(String.init)
                guard hostPorts.count == containerPorts.count else {
                    throw ModuleArgumentError("published port '\(entry)': the host and container port ranges differ in length")
                }
            }
            for (port, hostPort) in zip(containerPorts, hostPorts) {
                bindings["\(port)/\(proto)", default: []].append(.dict(["HostIp": .text(hostIp), "HostPort": .text(hostPort)]))
            }
        }
        return .dict(bindings.mapValues(ContainerValue.list))
    }

    /// `docker run --publish` words for PortBindings, host address always written (as community.docker sets it).
    static func publishWords(_ bindings: ContainerValue) -> [String] {
        bindings.entries.sorted { $0.key < $1.key }.flatMap { port, list in
            list.items.flatMap { binding -> [String] in
                let ip = binding.entries["HostIp"]?.text ?? ""
                let host = binding.entries["HostPort"]?.text ?? ""
                return ["--publish", (ip.contains(":") ? "[\(ip)]" : ip) + ":" + host + ":" + port]
            }
        }
    }

    /// exposed_ports entries (`80`, `53/udp`, `8000-8002`) as `port/protocol` strings, ranges spread out.
    static func exposedPorts(_ entries: [String]) throws -> [String] {
        try entries.flatMap { entry -> [String] in
            let parts = entry.trimmed.split(separator: "/", maxSplits: 1).map(String.init)
            let proto = parts.count == 2 ? parts[1] : "tcp"
            return try portRange(parts.first ?? "", entry: entry).map { "\($0)/\(proto)" }
        }
    }

    /// `host:container[:mode]`-style entries split at colons, an IPv6 address in brackets kept whole.
    private static func colonParts(_ entry: String) throws -> [String] {
        var parts: [String] = []
        var current = ""
        var bracketed = false
        for character in entry {
            if character == "[" { bracketed = true }
            if character == "]" { bracketed = false }
            if character == ":" && !bracketed {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        guard (1...3).contains(parts.count) else {
            throw ModuleArgumentError("published port '\(entry)': expected 1 to 3 colon-separated parts, got \(parts.count) "
                + "(an IPv6 address goes in square brackets: [::1]:8080:80)")
        }
        return parts
    }

    private static func portRange(_ text: String, entry: String) throws -> [Int] {
        let ends = text.split(separator: "-", maxSplits: 1).map { Int(String($0).trimmed) }
        guard let first = ends.first ?? nil, let last = ends.last ?? nil, first <= last else {
            throw ModuleArgumentError("port '\(entry)': '\(text)' is not a port or a range of ports (8000-8010)")
        }
        return Array(first...last)
    }

    /// devices entries (`/dev/sda`, `/dev/sda:/dev/xvda`, `/dev/sda:/dev/xvda:rwm`) as Docker's Devices objects.
    static func device(_ entry: String) -> ContainerValue {
        let parts = entry.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        return .dict(["PathOnHost": .text(parts[0]), "PathInContainer": .text(parts.count > 1 ? parts[1] : parts[0]),
                      "CgroupPermissions": .text(parts.count > 2 ? parts[2] : "rwm")])
    }

    /// ulimits entries (`nofile:1024:2048`, `nproc:512`) as Docker's Ulimits objects.
    static func ulimit(_ entry: String) throws -> ContainerValue {
        let parts = entry.split(separator: ":").map(String.init)
        guard parts.count >= 2, parts.count <= 3, let soft = Int(parts[1]), let hard = Int(parts.count == 3 ? parts[2] : parts[1]) else {
            throw ModuleArgumentError("ulimit '\(entry)' must be name:soft or name:soft:hard with numbers (nofile:1024:2048)")
        }
        return .dict(["Name": .text(parts[0]), "Soft": .number(soft), "Hard": .number(hard)])
    }
}
