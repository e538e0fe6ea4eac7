import Foundation
import Jinja

/// hostname: sets the host's name (hostnamectl under systemd, else /etc/hostname and `hostname`).
///
///     - hostname: { name: web1 }
public struct HostnameModule: Module {
    public static let spec = ModuleSpec(
        name: "hostname",
        arguments: [ArgumentSpec("name", required: true, doc: "The host name.")],
        doc: "Sets the host name, now and at boot.",
        example: "- hostname:\n    name: \"{{ inventory_hostname }}\"")

    var name: String

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name")
        guard !name.isEmpty, !name.contains(" ") else { throw ModuleArgumentError("\(name) is not a valid host name") }
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand.script("hostname; cat /etc/hostname 2>/dev/null; test -d /run/systemd/system && echo systemd; true")
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let lines = (probe?.stdoutText ?? "").splitLines
        let current = lines.first ?? ""
        let stored = lines.count > 1 && lines[1] != "systemd" ? lines[1] : ""
        let systemd = lines.contains("systemd")
        var result = ModuleResult(values: ["name": .string(name)])
        result.facts = ["hostname": .string(name)]
        guard current != name || (!systemd && stored != name) else { return .unchanged(result) }
        if context.diffMode {
            result.diffs.append(ModuleDiff(beforeHeader: "hostname", afterHeader: "hostname", before: current + "\n", after: name + "\n"))
        }
        let command = systemd ? ShellCommand("hostnamectl", "set-hostname", name)
            : ShellCommand("hostname", name).and(ShellCommand("echo", name).redirectingOutput(to: "/etc/hostname"))
        return .change([.run(command)], result)
    }
}
