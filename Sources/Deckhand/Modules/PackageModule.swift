import Foundation
import Jinja

/// package: the OS's package manager, generically. deckhand's hosts are Debian or Ubuntu, so it is apt's
/// install/remove/upgrade with the same names and states (Ansible picks apt there too, by `ansible_pkg_mgr`).
///
///     - package: { name: [git, curl], state: present }
public struct PackageModule: Module {
    /// apt's arguments (Ansible's package hands every argument to the module it picks, so `update_cache` works
    /// through it on Debian), with name required as package has it, and `use`. `state` keeps apt's default,
    /// present: package's documentation calls it required, but ansible-core's package action hands the task to
    /// apt unchecked, and `package: {name: git}` installs git (ansible-playbook 2.21, checked).
    public static let spec = ModuleSpec(
        name: "package",
        arguments: AptModule.spec.arguments.map { argument in
            var argument = argument
            if argument.name == "name" {
                argument.required = true
                argument.defaultValue = nil
            }
            return argument
        } + [ArgumentSpec("use", default: .string("auto"), doc: "The package manager: auto or apt (deckhand drives apt only).")]
          + PackageModule.otherManagersArguments.map { ArgumentSpec($0, type: .raw, doc: "dnf's and yum's; apt has none, so "
              + "giving it fails the task when it runs, as Ansible's apt does (a role guards it with `when:` on the OS).") },
        doc: "Installs, upgrades or removes packages with the host's package manager: apt-get on Debian and Ubuntu "
            + "(as the apt module, whose other arguments it passes on). A host without apt-get fails, naming it.",
        example: "- package:\n    name: [git, curl]\n    state: present")

    /// Arguments of the other managers' modules that roles hand to package; Ansible passes them on and apt refuses them.
    static let otherManagersArguments = ["disablerepo", "disable_gpg_check", "enablerepo"]

    var apt: AptModule
    /// The given arguments apt does not take: the task fails on the host, as Ansible's apt fails it.
    var unsupported: [String]

    public init(_ arguments: ModuleArguments) throws {
        let use = try arguments.requiredString("use")
        guard use == "auto" || use == "apt" else {
            throw ModuleArgumentError("package: use '\(use)' is not supported: deckhand installs packages with apt "
                                      + "(Debian and Ubuntu hosts); leave use out or set it to apt")
        }
        var forwarded = arguments.values
        forwarded.removeValue(forKey: "use")
        unsupported = PackageModule.otherManagersArguments.filter { forwarded.removeValue(forKey: $0) != nil }.sorted()
        apt = try AptModule.make(forwarded)
    }

    /// apt's probe, once the host is known to have apt-get.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        guard unsupported.isEmpty else { return nil }
        let aptProbe = try apt.probe(context) ?? ShellCommand("true")
        return ShellCommand(parts: [.syntax("if ! command -v apt-get >/dev/null 2>&1; then echo @@no-apt; else")]
                            + aptProbe.grouped + [.syntax("; fi")], compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        if !unsupported.isEmpty {
            // Ansible's words, naming the module package ran on a Debian host.
            var backend = AptModule.spec
            backend.name = "ansible.legacy.apt"
            return ModulePlan(result: .failure(backend.ansibleMessage(.unsupported(unsupported))))
        }
        if probe?.stdoutText.splitLines.first == "@@no-apt" {
            return ModulePlan(result: .failure("package: \(context.hostName) has no apt-get; deckhand's package module "
                + "drives apt (Debian, Ubuntu) only: install the packages with the host's own tool (command: dnf install ...)"))
        }
        return try apt.plan(probe, context)
    }
}
