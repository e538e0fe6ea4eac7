import Foundation
import Jinja
import OrderedCollections

/// setup: gathers facts about the host in one round trip (no Python on the host), named as Ansible names them.
///
///     - setup:
///     - debug: { msg: "{{ ansible_distribution }} {{ ansible_distribution_version }}" }
public struct SetupModule: Module {
    public static let spec: ModuleSpec = {
        var spec = ModuleSpec(
            name: "setup",
            arguments: [
                ArgumentSpec("gather_subset", type: .list, doc: "Accepted for compatibility; the small fact set is always gathered."),
                ArgumentSpec("filter", type: .list, doc: "Only keep facts whose names match these shell-style patterns."),
                ArgumentSpec("fact_path", default: .string(LocalFacts.defaultFolder),
                             doc: "The folder of local facts (*.fact: JSON or INI, or executables printing it), as ansible_local."),
            ],
            doc: "Collects os, distribution, hostname, fqdn, architecture, service manager, user, env, default IPv4, "
                + "memory and mounts in one command, as ansible_facts.X and ansible_X.",
            example: "- setup:")
        spec.registeredFactPrefix = "ansible_"
        return spec
    }()

    var filters: [String]
    var factPath: String

    public init(_ arguments: ModuleArguments) throws {
        filters = try arguments.list("filter") ?? []
        factPath = try arguments.string("fact_path") ?? LocalFacts.defaultFolder
    }

    /// Each section starts with `@@name`; everything is read with the host's own tools.
    static let script = """
    echo @@os; uname -s; echo @@kernel; uname -r; echo @@arch; uname -m
    echo @@hostname; hostname 2>/dev/null || uname -n; echo @@fqdn; hostname -f 2>/dev/null || hostname
    echo @@osrelease; cat /etc/os-release 2>/dev/null; echo @@debian; cat /etc/debian_version 2>/dev/null
    echo @@init; cat /proc/1/comm 2>/dev/null
    echo @@id; id -u; id -g; id -un; id -gn
    echo @@env; env
    echo @@route; ip -4 route get 1.1.1.1 2>/dev/null | head -n 1
    echo @@addr; hostname -I 2>/dev/null
    echo @@mem; grep -E '^(MemTotal|MemFree|SwapTotal|SwapFree):' /proc/meminfo 2>/dev/null
    echo @@cpu; nproc 2>/dev/null
    echo @@mounts; cat /proc/mounts 2>/dev/null
    echo @@df; df -P -k 2>/dev/null | tail -n +2
    echo @@end
    """

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        let local = "echo @@local\n" + LocalFacts.script(folder: factPath)
        return .script(SetupModule.script.replacingOccurrences(of: "echo @@end", with: SetupModule.platformScript + "\n" + local + "\necho @@end"))
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        // Nothing read (sudo refused the become user, the shell could not start): a failure, never empty facts.
        if let probe, !probe.stdoutText.contains("@@end") {
            let reason = probe.stderrText.trimmed
            return ModulePlan(result: .failure("could not gather facts (exit \(probe.exitStatus))"
                                               + (reason.isEmpty ? "" : ": " + reason)))
        }
        var facts = SetupModule.facts(from: probe?.stdoutText ?? "")
        if !filters.isEmpty {
            facts = facts.filter { entry in filters.contains { fnmatch($0, entry.key, 0) == 0 || fnmatch($0, "ansible_" + entry.key, 0) == 0 } }
        }
        var result = ModuleResult()
        // Both spellings: ansible_facts.distribution and ansible_distribution.
        for (key, value) in facts { result.facts[key] = value }
        return .unchanged(result)
    }

    /// Parses the probe's sections into Ansible-named facts (without the `ansible_` prefix).
    static func facts(from output: String) -> OrderedDictionary<String, Value> {
        var sections: [String: [String]] = [:]
        var current = ""
        for line in output.components(separatedBy: "\n") {
            if line.hasPrefix("@@") { current = String(line.dropFirst(2)); sections[current] = []; continue }
            sections[current, default: []].append(line)
        }
        func first(_ name: String) -> String { (sections[name] ?? []).first { !$0.isEmpty }?.trimmed ?? "" }
        var facts: OrderedDictionary<String, Value> = [:]
        facts["system"] = .string(first("os"))
        facts["kernel"] = .string(first("kernel"))
        facts["architecture"] = .string(first("arch"))
        facts["machine"] = .string(first("arch"))
        let hostname = first("hostname")
        let fqdn = first("fqdn")
        facts["hostname"] = .string(hostname.split(separator: ".").first.map(String.init) ?? hostname)
        facts["nodename"] = .string(hostname)
        facts["fqdn"] = .string(fqdn.isEmpty ? hostname : fqdn)
        facts["domain"] = .string(fqdn.split(separator: ".", maxSplits: 1).dropFirst().first.map(String.init) ?? "")

        var release: [String: String] = [:]
        for line in sections["osrelease"] ?? [] {
            guard let eq = line.firstIndex(of: "=") else { continue }
            var value = String(line[line.index(after: eq)...])
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            release[String(line[..<eq])] = value
        }
        let distribution = SetupModule.distributionName(release["ID"] ?? "", fallback: release["NAME"] ?? facts["system"]?.displayText ?? "")
        facts["distribution"] = .string(distribution)
        var version = release["VERSION_ID"] ?? ""
        let debianVersion = first("debian")
        if distribution == "Debian", !debianVersion.isEmpty, debianVersion.first?.isNumber == true { version = debianVersion }
        facts["distribution_version"] = .string(version)
        facts["distribution_major_version"] = .string(version.split(separator: ".").first.map(String.init) ?? "")
        facts["distribution_release"] = .string(release["VERSION_CODENAME"] ?? "")
        facts["os_family"] = .string(SetupModule.family(release["ID"] ?? "", like: release["ID_LIKE"] ?? ""))
        facts["pkg_mgr"] = .string(facts["os_family"] == .string("Debian") ? "apt" : "unknown")

        let initName = first("init")
        facts["service_mgr"] = .string(initName == "systemd" ? "systemd" : initName.isEmpty ? "service" : initName == "init" ? "sysvinit" : initName)

        let ids = sections["id"] ?? []
        if ids.count >= 4 {
            facts["user_uid"] = .int(Int(ids[0].trimmed) ?? -1)
            facts["user_gid"] = .int(Int(ids[1].trimmed) ?? -1)
            facts["user_id"] = .string(ids[2].trimmed)
            facts["user_gecos"] = .string("")
        }
        var environment: OrderedDictionary<String, Value> = [:]
        for line in sections["env"] ?? [] {
            guard let eq = line.firstIndex(of: "="), eq != line.startIndex else { continue }
            environment[String(line[..<eq])] = .string(String(line[line.index(after: eq)...]))
        }
        facts["env"] = .dict(environment)
        if let home = environment["HOME"] { facts["user_dir"] = home }
        if let shell = environment["SHELL"] { facts["user_shell"] = shell }

        var ipv4: OrderedDictionary<String, Value> = [:]
        let route = first("route").split(separator: " ").map(String.init)
        if let src = route.firstIndex(of: "src"), src + 1 < route.count { ipv4["address"] = .string(route[src + 1]) }
        if let dev = route.firstIndex(of: "dev"), dev + 1 < route.count { ipv4["interface"] = .string(route[dev + 1]) }
        if let via = route.firstIndex(of: "via"), via + 1 < route.count { ipv4["gateway"] = .string(route[via + 1]) }
        let addresses = first("addr").split(separator: " ").map(String.init).filter { $0.contains(".") }
        if ipv4["address"] == nil, let address = addresses.first { ipv4["address"] = .string(address) }
        facts["default_ipv4"] = .dict(ipv4)
        facts["all_ipv4_addresses"] = .list(addresses.map(Value.string))

        for line in sections["mem"] ?? [] {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kb = Int(fields[1]) else { continue }
            switch fields[0] {
            case "MemTotal:": facts["memtotal_mb"] = .int(kb / 1024)
            case "MemFree:": facts["memfree_mb"] = .int(kb / 1024)
            case "SwapTotal:": facts["swaptotal_mb"] = .int(kb / 1024)
            case "SwapFree:": facts["swapfree_mb"] = .int(kb / 1024)
            default: break
            }
        }
        if let cpus = Int(first("cpu")) { facts["processor_vcpus"] = .int(cpus); facts["processor_nproc"] = .int(cpus) }

        var sizes: [String: (total: Int, available: Int)] = [:]
        for line in sections["df"] ?? [] {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard fields.count >= 6, let total = Int(fields[1]), let available = Int(fields[3]) else { continue }
            sizes[fields[5]] = (total * 1024, available * 1024)
        }
        let virtual: Set<String> = ["proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "securityfs", "pstore",
                                    "debugfs", "tracefs", "mqueue", "hugetlbfs", "bpf", "configfs", "fusectl", "autofs",
                                    "binfmt_misc", "nsfs", "rpc_pipefs"]
        var mounts: [Value] = []
        for line in sections["mounts"] ?? [] {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count >= 4, !virtual.contains(fields[2]) else { continue }
            var mount: OrderedDictionary<String, Value> = [
                "mount": .string(fields[1]), "device": .string(fields[0]), "fstype": .string(fields[2]),
                "options": .string(fields[3]),
            ]
            if let size = sizes[fields[1]] {
                mount["size_total"] = .int(size.total)
                mount["size_available"] = .int(size.available)
            }
            mounts.append(.dict(mount))
        }
        facts["mounts"] = .list(mounts)
        facts["python_required"] = .bool(false)
        addPlatformFacts(to: &facts, sections: sections)
        facts["local"] = LocalFacts.facts(from: (sections["local"] ?? []).filter { !$0.isEmpty })
        return facts
    }

    static func distributionName(_ id: String, fallback: String) -> String {
        switch id {
        case "debian": return "Debian"
        case "ubuntu": return "Ubuntu"
        case "centos": return "CentOS"
        case "rhel": return "RedHat"
        case "fedora": return "Fedora"
        case "alpine": return "Alpine"
        case "arch": return "Archlinux"
        case "rocky": return "Rocky"
        case "almalinux": return "AlmaLinux"
        case "amzn": return "Amazon"
        case "opensuse-leap", "opensuse": return "openSUSE Leap"
        case "": return fallback
        default: return id.prefix(1).uppercased() + id.dropFirst()
        }
    }

    static func family(_ id: String, like: String) -> String {
        let ids = [id] + like.split(separator: " ").map(String.init)
        if ids.contains(where: { ["debian", "ubuntu"].contains($0) }) { return "Debian" }
        if ids.contains(where: { ["rhel", "fedora", "centos"].contains($0) }) { return "RedHat" }
        if ids.contains("alpine") { return "Alpine" }
        if ids.contains("arch") { return "Archlinux" }
        if ids.contains(where: { $0.hasPrefix("suse") || $0.hasPrefix("opensuse") }) { return "Suse" }
        return distributionName(id, fallback: "")
    }
}
