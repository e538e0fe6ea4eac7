import Foundation
import Jinja
import SSH

/// hostname: sets the host's name, now and across reboots (hostnamectl under systemd, else /etc/hostname).
///
///     - hostname: { name: web1 }
public struct HostnameModule: Module {
    public static let spec = ModuleSpec(
        name: "hostname",
        arguments: [
            ArgumentSpec("name", required: true, doc: "The host name to set."),
            ArgumentSpec("use", choices: ["systemd", "debian", "generic"], doc: "How to set it (default: systemd when PID 1 is systemd, else debian)."),
        ],
        doc: "Sets the host name: the running name and the one kept across reboots.",
        example: "- hostname:\n    name: web1")

    var name: String
    var use: String?

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name")
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == ".") }) else {
            throw ModuleArgumentError("hostname \(name.debugDescription) is not valid: letters, digits, '-' and '.' only")
        }
        use = try arguments.choice("use", ["systemd", "debian", "generic"], default: nil)
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        .script("printf 'init %s\\n' \"$(cat /proc/1/comm 2>/dev/null)\"; printf 'running %s\\n' \"$(hostname)\"; printf 'file %s\\n' \"$(cat /etc/hostname 2>/dev/null)\"")
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var fields: [String: String] = [:]
        for line in (probe?.stdoutText ?? "").splitLines {
            let pair = line.split(separator: " ", maxSplits: 1).map(String.init)
            fields[pair[0]] = pair.count > 1 ? pair[1] : ""
        }
        let running = fields["running"] ?? "", stored = fields["file"] ?? ""
        var result = ModuleResult()
        result["name"] = .string(name)
        result.facts = ["hostname": .string(name.split(separator: ".").first.map(String.init) ?? name), "nodename": .string(name)]
        if running == name && stored == name { return .unchanged(result) }
        if context.diffMode {
            result.diffs.append(ModuleDiff(beforeHeader: "hostname", afterHeader: "hostname", before: "hostname = \(running)\n", after: "hostname = \(name)\n"))
        }
        let systemd = use == "systemd" || (use == nil && fields["init"] == "systemd")
        let command = systemd ? ShellCommand("hostnamectl", "set-hostname", name)
            : ShellCommand("printf", "%s\\n", name).redirectingOutput(to: "/etc/hostname").and(ShellCommand("hostname", name))
        return .change([.run(command)], result)
    }
}
