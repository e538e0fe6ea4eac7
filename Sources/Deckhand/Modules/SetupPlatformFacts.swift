import Foundation
import Jinja
import OrderedCollections

/// The facts popular roles test besides the basics: the host's Python, FIPS mode, SELinux and AppArmor,
/// virtualisation, LSB names, the clock, interfaces and DNS, named and shaped as Ansible's setup returns them.
extension SetupModule {
    /// The probe's sections for these facts (appended to `SetupModule.script`).
    static let platformScript = """
    echo @@python; p=$(command -v python3 || command -v python); [ -n "$p" ] && echo "$p" && "$p" -c 'import sys; print(*sys.version_info)'
    echo @@fips; cat /proc/sys/crypto/fips_enabled 2>/dev/null
    echo @@selinux; [ -d /sys/fs/selinux ] && cat /sys/fs/selinux/enforce 2>/dev/null
    echo @@apparmor; [ -d /sys/kernel/security/apparmor ] && echo enabled
    echo @@virt; systemd-detect-virt 2>/dev/null; systemd-detect-virt --container 2>/dev/null
    echo @@date; date '+%Y %m %d %H %M %S %s %Z %z %A %B %a %b %j %U %u'; date -u '+%Y-%m-%dT%H:%M:%SZ'
    echo @@net; ls /sys/class/net 2>/dev/null
    echo @@dns; grep -E '^(nameserver|search|domain)' /etc/resolv.conf 2>/dev/null
    echo @@machineid; cat /etc/machine-id 2>/dev/null
    """

    static func addPlatformFacts(to facts: inout OrderedDictionary<String, Value>, sections: [String: [String]]) {
        func lines(_ name: String) -> [String] { (sections[name] ?? []).map(\.trimmed).filter { !$0.isEmpty } }

        let python = lines("python")
        if python.count >= 2 {
            let parts = python[1].split(separator: " ").map(String.init)
            let numbers = parts.prefix(3).map { Int($0) ?? 0 }
            if numbers.count == 3 {
                let releaseLevel = parts.count > 3 ? parts[3] : "final"
                let serial = parts.count > 4 ? Int(parts[4]) ?? 0 : 0
                facts["python"] = .dict([
                    "executable": .string(python[0]),
                    "has_sslcontext": .bool(true),
                    "type": .string("cpython"),
                    "version": .dict(["major": .int(numbers[0]), "minor": .int(numbers[1]), "micro": .int(numbers[2]),
                                      "releaselevel": .string(releaseLevel), "serial": .int(serial)]),
                    "version_info": .list(numbers.map(Value.int) + [.string(releaseLevel), .int(serial)]),
                ])
                facts["python_version"] = .string(numbers.map(String.init).joined(separator: "."))
            }
        }
        facts["fips"] = .bool(lines("fips").first == "1")

        if let enforce = lines("selinux").first {
            facts["selinux"] = .dict(["status": .string("enabled"), "mode": .string(enforce == "1" ? "enforcing" : "permissive")])
        } else {
            facts["selinux"] = .dict(["status": .string("disabled")])
        }
        facts["selinux_python_present"] = .bool(false)
        facts["apparmor"] = .dict(["status": .string(lines("apparmor").isEmpty ? "disabled" : "enabled")])

        let virt = lines("virt").filter { $0 != "none" }
        facts["virtualization_type"] = .string(virt.first ?? "NA")
        facts["virtualization_role"] = .string(virt.isEmpty ? "NA" : "guest")
        facts["virtualization_tech_guest"] = .list(Array(Set(virt)).sorted().map(Value.string))
        facts["virtualization_tech_host"] = .list([])

        let release = facts["distribution_release"]?.displayText ?? ""
        let version = facts["distribution_version"]?.displayText ?? ""
        if let distribution = facts["distribution"]?.displayText, !distribution.isEmpty {
            facts["lsb"] = .dict(["id": .string(distribution), "codename": .string(release), "release": .string(version),
                                  "major_release": facts["distribution_major_version"] ?? .string(""),
                                  "description": .string("\(distribution) \(version)")])
        }
        facts["distribution_file_variety"] = facts["os_family"] ?? .string("")
        let architecture = facts["architecture"]?.displayText ?? ""
        facts["userspace_architecture"] = .string(architecture)
        facts["userspace_bits"] = .string(["x86_64", "aarch64", "ppc64le", "s390x", "riscv64"].contains(architecture) ? "64" : "32")
        facts["is_chroot"] = .bool(false)
        facts["system_vendor"] = .string("NA")
        if let cpus = facts["processor_vcpus"] {
            facts["processor_cores"] = cpus
            facts["processor_count"] = .int(1)
            facts["processor_threads_per_core"] = .int(1)
        }
        if let uid = facts["user_uid"], let gid = facts["user_gid"] {
            facts["effective_user_id"] = uid
            facts["effective_group_id"] = gid
            facts["real_user_id"] = uid
            facts["real_group_id"] = gid
        }
        if let id = lines("machineid").first { facts["machine_id"] = .string(id) }
        if let total = facts["memtotal_mb"], let free = facts["memfree_mb"] {
            facts["memory_mb"] = .dict([
                "real": .dict(["total": total, "free": free]),
                "swap": .dict(["total": facts["swaptotal_mb"] ?? .int(0), "free": facts["swapfree_mb"] ?? .int(0)]),
            ])
        }

        let clock = lines("date")
        if clock.count >= 2 {
            let fields = clock[0].split(separator: " ").map(String.init)
            if fields.count >= 16 {
                facts["date_time"] = .dict([
                    "year": .string(fields[0]), "month": .string(fields[1]), "day": .string(fields[2]),
                    "hour": .string(fields[3]), "minute": .string(fields[4]), "second": .string(fields[5]),
                    "epoch": .string(fields[6]), "tz": .string(fields[7]), "tz_offset": .string(fields[8]),
                    "weekday": .string(fields[9]), "monthname": .string(fields[10]),
                    "weekday_short": .string(fields[11]), "monthname_short": .string(fields[12]),
                    "julian_day": .string(fields[13]), "weeknumber": .string(fields[14]),
                    "weekday_number": .string(fields[15] == "7" ? "0" : fields[15]),
                    "date": .string("\(fields[0])-\(fields[1])-\(fields[2])"),
                    "time": .string("\(fields[3]):\(fields[4]):\(fields[5])"),
                    "iso8601": .string(clock[1]),
                    "iso8601_basic_short": .string("\(fields[0])\(fields[1])\(fields[2])T\(fields[3])\(fields[4])\(fields[5])"),
                ])
            }
        }

        let interfaces = lines("net").flatMap { $0.split(separator: " ").map(String.init) }
        facts["interfaces"] = .list(interfaces.map(Value.string))
        facts["default_ipv6"] = .dict([:])
        facts["all_ipv6_addresses"] = .list([])
        var nameservers: [Value] = []
        var search: [Value] = []
        for line in lines("dns") {
            let words = line.split(separator: " ").map(String.init)
            guard words.count >= 2 else { continue }
            if words[0] == "nameserver" { nameservers.append(.string(words[1])) } else { search += words.dropFirst().map(Value.string) }
        }
        facts["dns"] = .dict(["nameservers": .list(nameservers), "search": .list(search)])
    }
}
