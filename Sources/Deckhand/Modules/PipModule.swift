import Foundation
import Jinja

/// pip: installs Python packages (or a requirements file) into a virtualenv or the system, creating the
/// virtualenv when needed.
///
///     - pip: { requirements: /webapps/app/current/requirements.txt, virtualenv: /webapps/app/venv }
public struct PipModule: Module {
    public static let spec = ModuleSpec(
        name: "pip",
        arguments: [
            ArgumentSpec("name", type: .list, doc: "Packages (`Django==4.2`, `gunicorn`)."),
            ArgumentSpec("version", doc: "The version of the one package in name (`4.2` pins ==4.2; `>=4.2` is a specifier)."),
            ArgumentSpec("requirements", type: .path, doc: "A requirements file on the host."),
            ArgumentSpec("virtualenv", type: .path, doc: "The virtualenv to install into (created when missing)."),
            ArgumentSpec("virtualenv_command", default: .string("python3 -m venv"), doc: "How to create the virtualenv."),
            ArgumentSpec("virtualenv_python", doc: "The interpreter for a new virtualenv (`python3.11`)."),
            ArgumentSpec("virtualenv_site_packages", type: .bool, default: .bool(false),
                         doc: "A new virtualenv sees the system's packages (--system-site-packages)."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent", "latest", "forcereinstall"], doc: "present, absent, latest or forcereinstall."),
            ArgumentSpec("extra_args", doc: "More pip arguments."),
            ArgumentSpec("chdir", type: .path, doc: "Run pip from this directory."),
            ArgumentSpec("executable", type: .path, doc: "The pip to run (without virtualenv); by default the host's Python runs `-m pip`."),
        ],
        requiredOneOf: [["name", "requirements"]],
        mutuallyExclusive: [["executable", "virtualenv"]],
        doc: "Installs Python packages or a requirements file with pip, in a virtualenv it creates if needed. pip runs as "
            + "`<python> -m pip`: the virtualenv's python, else ansible_python_interpreter (python3 when unset), as Ansible's.",
        example: "- pip:\n    requirements: /webapps/app/current/requirements.txt\n    virtualenv: /webapps/app/venv")

    var packages: [String]
    var requirements: String?
    var virtualenv: String?
    var virtualenvCommand: String
    var virtualenvPython: String?
    var sitePackages: Bool
    var state: String
    var extraArgs: [String]
    var chdir: String?
    var executable: String?

    public init(_ arguments: ModuleArguments) throws {
        packages = try arguments.list("name") ?? []
        if let version = try arguments.string("version")?.trimmed, !version.isEmpty {
            guard packages.count == 1 else {
                throw ModuleArgumentError("'version' argument is ambiguous when installing multiple package distributions. "
                    + "Please specify version restrictions next to each package in 'name' argument.")
            }
            packages[0] += (version.first?.isNumber == true ? "==" : " ") + version
        }
        requirements = try arguments.string("requirements")
        virtualenv = try arguments.string("virtualenv")
        virtualenvCommand = try arguments.requiredString("virtualenv_command")
        virtualenvPython = try arguments.string("virtualenv_python")
        sitePackages = try arguments.bool("virtualenv_site_packages")
        state = try arguments.requiredString("state")
        extraArgs = try ShellWords.split(try arguments.string("extra_args") ?? "")
        chdir = try arguments.string("chdir")
        executable = try arguments.string("executable")
    }

    /// How pip is run: the pip named by executable, else `<python> -m pip` with the virtualenv's python or the
    /// host's interpreter (ansible_python_interpreter, python3 when unset or auto), never the first pip on PATH.
    func pip(_ context: ModuleContext) -> [String] {
        if let executable { return [executable] }
        if let virtualenv { return [virtualenv + "/bin/python", "-m", "pip"] }
        var interpreter = "python3"
        if case .string(let configured)? = try? context.evaluate("ansible_python_interpreter | default('')"),
           !configured.isEmpty, !configured.hasPrefix("auto") {
            interpreter = configured
        }
        return [interpreter, "-m", "pip"]
    }

    /// Whether the virtualenv exists, then `pip freeze` (names lowercased for comparison).
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        var probe = ShellCommand("echo", "@@venv")
        if let virtualenv {
            probe = probe.then(ShellCommand("test", "-x", virtualenv + "/bin/python").and(ShellCommand("echo", "yes")).or(ShellCommand("echo", "no")))
        }
        return probe.then(ShellCommand("echo", "@@freeze"))
            .then(ShellCommand(words: pip(context) + ["freeze", "--all"]).silencingErrors.or(ShellCommand("true")))
    }

    static func installed(_ output: String) -> (venv: Bool?, packages: [String: String]) {
        var venv: Bool?
        var packages: [String: String] = [:]
        var section = ""
        for line in output.splitLines {
            if line.hasPrefix("@@") { section = String(line.dropFirst(2)); continue }
            if section == "venv" { venv = line == "yes" }
            if section == "freeze" {
                let parts = line.components(separatedBy: "==")
                if parts.count == 2 { packages[normalize(parts[0])] = parts[1] }
            }
        }
        return (venv, packages)
    }

    /// PEP 503 names: case and `-`/`_`/`.` do not matter.
    static func normalize(_ name: String) -> String {
        name.lowercased().replacingOccurrences(of: "_", with: "-").replacingOccurrences(of: ".", with: "-")
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let (venv, installed) = PipModule.installed(probe?.stdoutText ?? "")
        var actions: [HostAction] = []
        var result = ModuleResult()
        if !packages.isEmpty { result["name"] = .list(packages.map(Value.string)) }
        if let requirements { result["requirements"] = .string(requirements) }
        if let virtualenv {
            result["virtualenv"] = .string(virtualenv)
            if venv == false {
                var words = try ShellWords.split(virtualenvCommand)
                if let virtualenvPython {
                    if words.first == "python3" || words.first == "python" { words[0] = virtualenvPython }
                    else { words += ["-p", virtualenvPython] }
                }
                if sitePackages { words.append("--system-site-packages") }
                actions.append(.run(ShellCommand(words: words + [virtualenv]).inDirectory(chdir)))
            }
        }
        let base = pip(context)
        switch state {
        case "absent":
            let present = packages.filter { installed[PipModule.normalize(PipModule.requirementName($0))] != nil }
            if !present.isEmpty {
                actions.append(.run(ShellCommand(words: base + ["uninstall", "-y"] + extraArgs + present.map(PipModule.requirementName)).inDirectory(chdir)))
            }
        default:
            var flags: [String] = []
            if state == "latest" { flags.append("--upgrade") }
            if state == "forcereinstall" { flags += ["--force-reinstall"] }
            let missing = packages.filter { spec in
                let name = PipModule.normalize(PipModule.requirementName(spec))
                guard let version = installed[name] else { return true }
                if let pinned = spec.components(separatedBy: "==").dropFirst().first { return pinned != version }
                return state != "present"
            }
            if !missing.isEmpty || (venv == false && !packages.isEmpty) {
                let install = venv == false ? packages : missing
                actions.append(.run(ShellCommand(words: base + ["install"] + flags + extraArgs + install).inDirectory(chdir)))
            }
            if let requirements {
                // pip decides; it says "Successfully installed" only when it installed something.
                actions.append(.run(ShellCommand(words: base + ["install"] + flags + extraArgs + ["-r", requirements]).inDirectory(chdir),
                                    changedWhenOutputContains: "Successfully installed"))
            }
        }
        if actions.isEmpty { return .unchanged(result) }
        let onlyRequirements = actions.count == 1 && actions[0].changeMarker != nil
        var plan = ModulePlan.change(actions, result)
        // In check mode a requirements file cannot be predicted without running pip: assume no change.
        if onlyRequirements && context.checkMode { plan.result.changed = false }
        return plan
    }

    static func requirementName(_ spec: String) -> String {
        let stops: Set<Character> = ["=", "<", ">", "!", "~", "[", " ", ";"]
        return String(spec.prefix { !stops.contains($0) })
    }
}
