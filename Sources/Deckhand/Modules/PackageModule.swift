import Foundation
import Jinja

/// package: the OS's package manager, generically. deckhand's hosts are Debian or Ubuntu, so it is apt's
/// install/remove/upgrade with the same names and states (Ansible picks apt there too, by `ansible_pkg_mgr`).
///
///     - package: { name: [git, curl], state: present }
public struct PackageModule: Module {
    public static let spec = ModuleSpec(
        name: "package",
        arguments: [
            ArgumentSpec("name", type: .list, required: true, doc: "Packages; `name=version` pins a version (apt)."),
            ArgumentSpec("state", required: true, choices: ["present", "absent", "latest", "installed", "removed"],
                         doc: "present, absent or latest."),
            ArgumentSpec("use", default: .string("auto"), doc: "The package manager: auto or apt (deckhand drives apt only)."),
        ],
        doc: "Installs, upgrades or removes packages with the host's package manager: apt-get on Debian and Ubuntu "
            + "(as the apt module with the same name and state). A host without apt-get fails, naming it.",
        example: "- package:\n    name: [git, curl]\n    state: present")

    var apt: AptModule

    public init(_ arguments: ModuleArguments) throws {
        let use = try arguments.requiredString("use")
        guard use == "auto" || use == "apt" else {
            throw ModuleArgumentError("package: use '\(use)' is not supported: deckhand installs packages with apt "
                                      + "(Debian and Ubuntu hosts); leave use out or set it to apt")
        }
        apt = try AptModule.make(["name": .list(try arguments.requiredList("name").map(Value.string)),
                                  "state": .string(try arguments.requiredString("state"))])
    }

    /// apt's probe, once the host is known to have apt-get.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        let aptProbe = try apt.probe(context) ?? ShellCommand("true")
        return ShellCommand(parts: [.syntax("if ! command -v apt-get >/dev/null 2>&1; then echo @@no-apt; else")]
                            + aptProbe.grouped + [.syntax("; fi")], compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        if probe?.stdoutText.splitLines.first == "@@no-apt" {
            return ModulePlan(result: .failure("package: \(context.hostName) has no apt-get; deckhand's package module "
                + "drives apt (Debian, Ubuntu) only: install the packages with the host's own tool (command: dnf install ...)"))
        }
        return try apt.plan(probe, context)
    }
}
