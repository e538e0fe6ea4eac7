import Foundation
import Jinja
import SSH

/// pip: installs Python packages into a virtualenv (created when missing) or the system.
///
///     - pip: { requirements: /webapps/app/current/requirements.txt, virtualenv: /webapps/app/venv }
public struct PipModule: Module {
    static let states = ["present", "absent", "latest", "forcereinstall"]

    public static let spec = ModuleSpec(
        name: "pip",
        arguments: [
            ArgumentSpec("name", type: .list, doc: "Packages (name, name==1.2, name>=1.2)."),
            ArgumentSpec("version", doc: "The version of the single package in name."),
            ArgumentSpec("requirements", doc: "A requirements file (relative to chdir)."),
            ArgumentSpec("virtualenv", type: .path, aliases: ["virtualenv_path"], doc: "The virtualenv to install into; created when missing."),
            ArgumentSpec("virtualenv_command", default: .string("virtualenv"), doc: "The command that creates it (e.g. `python3 -m venv`)."),
            ArgumentSpec("virtualenv_python", doc: "The interpreter for a new virtualenv (virtualenv's -p)."),
            ArgumentSpec("virtualenv_site_packages", type: .bool, default: .bool(false), doc: "Let the virtualenv see system packages."),
            ArgumentSpec("state", default: .string("present"), choices: states, doc: "present, absent, latest or forcereinstall."),
            ArgumentSpec("extra_args", doc: "More words for pip install/uninstall."),
            ArgumentSpec("chdir", type: .path, doc: "Run pip in this directory."),
            ArgumentSpec("executable", type: .path, doc: "The pip to use (default: the virtualenv's, else pip3)."),
            ArgumentSpec("editable", type: .bool, default: .bool(false), doc: "Install in editable mode (-e)."),
            ArgumentSpec("umask", doc: "Accepted; the host's umask applies."),
        ],
        requiredOneOf: [["name", "requirements"]],
        mutuallyExclusive: [["name", "requirements"], ["executable", "virtualenv"]],
        doc: "Manages Python packages with pip. The probe lists what is installed (`pip freeze`) in one round trip; "
            + "named packages install only when missing or at another pinned version. Requirements files run pip and "
            + "report changed only when pip installed something.",
        example: "- pip:\n    requirements: /webapps/app/current/requirements.txt\n    virtualenv: /webapps/app/venv\n    virtualenv_command: python3 -m venv")

    var names: [String]
    var requirements: String?
    var virtualenv: String?
    var virtualenvCommand: [String]
    var virtualenvPython: String?
    var sitePackages: Bool
    var state: String
    var extraArguments: [String]
    var chdir: String?
    var executable: String?
    var editable: Bool

    public init(_ arguments: ModuleArguments) throws {
        names = try arguments.list("name") ?? []
        if let version = try arguments.string("version") {
            guard names.count == 1 else { throw ModuleArgumentError("version needs exactly one package in name") }
            names = [names[0] + "==" + version]
        }
        requirements = try arguments.string("requirements")
        virtualenv = try arguments.string("virtualenv", "virtualenv_path")
        virtualenvCommand = try ShellWords.split(try arguments.string("virtualenv_command") ?? "virtualenv")
        virtualenvPython = try arguments.string("virtualenv_python")
        sitePackages = try arguments.bool("virtualenv_site_packages", default: false)
        state = try arguments.choice("state", PipModule.states, default: "present") ?? "present"
        extraArguments = try ShellWords.split(try arguments.string("extra_args") ?? "")
        chdir = try arguments.string("chdir")
        executable = try arguments.string("executable")
        editable = try arguments.bool("editable", default: false)
        if names.isEmpty && requirements == nil { throw ModuleArgumentError("one of name or requirements is required") }
        if virtualenvCommand.isEmpty { throw ModuleArgumentError("virtualenv_command is empty") }
    }

    var pip: String {
        if let executable { return executable }
        if let virtualenv { return virtualenv + "/bin/pip" }
        return "pip3"
    }

    /// pip's normalized project name: lower case, runs of -_. as one `-`.
    static func normalize(_ name: String) -> String {
        name.lowercased().replacingOccurrences(of: "[-_.]+", with: "-", options: .regularExpression)
    }

    /// `Django>=4.2` -> (django, ">=", "4.2").
    static func requirement(_ spec: String) -> (name: String, op: String?, version: String?) {
        let pattern = try? NSRegularExpression(pattern: "^\\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\\[[^\\]]*\\])?\\s*(==|>=|<=|~=|!=|<|>)?\\s*([^,;\\s]*)")
        guard let match = pattern?.firstMatch(in: spec, range: NSRange(spec.startIndex..., in: spec)),
              let nameRange = Range(match.range(at: 1), in: spec) else { return (normalize(spec), nil, nil) }
        let op = Range(match.range(at: 3), in: spec).map { String(spec[$0]) }
        let version = Range(match.range(at: 4), in: spec).map { String(spec[$0]) }.flatMap { $0.isEmpty ? nil : $0 }
        return (normalize(String(spec[nameRange])), op, version)
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        var parts: [ShellCommand.Part] = []
        if let virtualenv {
            parts += [.syntax("if test -x"), .word(virtualenv + "/bin/python"), .syntax("; then echo venv present; else echo venv absent; fi;")]
        }
        parts += [.syntax("if command -v"), .word(pip), .syntax(">/dev/null 2>&1 || test -x"), .word(pip), .syntax("; then echo @@freeze;"),
                  .word(pip), .syntax("freeze --all --disable-pip-version-check 2>/dev/null; fi; true")]
        return ShellCommand(parts: parts, compound: true).inDirectory(chdir)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let text = probe?.stdoutText ?? ""
        let venvMissing = virtualenv != nil && !text.contains("venv present")
        var installed: [String: String] = [:]
        if let range = text.range(of: "@@freeze\n") {
            for line in text[range.upperBound...].split(separator: "\n") {
                let pair = line.components(separatedBy: "==")
                if pair.count == 2 { installed[PipModule.normalize(pair[0])] = pair[1].trimmed }
                else if let at = line.range(of: " @ ") { installed[PipModule.normalize(String(line[..<at.lowerBound]))] = "" }
            }
        } else if !venvMissing {
            return ModulePlan(result: .failure("Unable to find pip: \(pip) is not on the host; install python3-pip or give virtualenv/executable"))
        }
        var actions: [HostAction] = []
        if let virtualenv, venvMissing {
            var words = virtualenvCommand
            if sitePackages { words.append("--system-site-packages") }
            if let virtualenvPython { words += (virtualenvCommand.contains("venv") ? [] : ["-p", virtualenvPython]) }
            if let virtualenvPython, virtualenvCommand.contains("venv"), virtualenvCommand.first?.hasPrefix("python") == true {
                words[0] = virtualenvPython
            }
            actions.append(.run(ShellCommand(words: words + [virtualenv]).inDirectory(chdir)))
        }
        var result = ModuleResult()
        result["name"] = .list(names.map(Value.string))
        result["requirements"] = requirements.map(Value.string) ?? .none
        result["virtualenv"] = virtualenv.map(Value.string) ?? .none
        result["state"] = .string(state)
        var packages = names
        if state == "present" && requirements == nil {
            packages = names.filter { spec in
                let (name, op, version) = PipModule.requirement(spec)
                guard let current = installed[name] else { return true }
                if op == "==", let version { return current != version }
                return false
            }
        } else if state == "absent" {
            packages = names.filter { installed[PipModule.requirement($0).name] != nil }.map { PipModule.requirement($0).name }
        }
        let installWords: [String] = state == "absent" ? ["uninstall", "-y"]
            : ["install"] + (state == "latest" ? ["-U"] : []) + (state == "forcereinstall" ? ["-U", "--force-reinstall"] : [])
        var pipWords = [pip] + installWords + ["--disable-pip-version-check"] + extraArguments
        if let requirements { pipWords += ["-r", requirements] }
        for package in packages { pipWords += (editable ? ["-e"] : []) + [package] }
        let needsPip = requirements != nil || !packages.isEmpty
        let canJudge = requirements != nil || state == "latest"
        if needsPip {
            let command = ShellCommand(words: pipWords).inDirectory(chdir)
            var action = HostAction.run(command)
            if canJudge && !venvMissing {
                // Whether a requirements file or an upgrade changes anything is only known from pip's answer.
                action = action.interpreting { output, result in
                    let said = output.stdoutText
                    result["stdout"] = .string(said.trimmingTrailingNewline)
                    result.changed = said.contains("Successfully installed") || said.contains("Successfully uninstalled")
                }
            }
            actions.append(action)
            result["cmd"] = .string(command.rendered)
        }
        if actions.isEmpty { return .unchanged(result) }
        if context.diffMode && !packages.isEmpty {
            result.diffs.append(ModuleDiff(beforeHeader: "packages", afterHeader: "packages",
                                           before: packages.map { "\($0): \(installed[PipModule.requirement($0).name] ?? "absent")" }.joined(separator: "\n") + "\n",
                                           after: packages.map { "\($0): \(state == "absent" ? "absent" : "installed")" }.joined(separator: "\n") + "\n"))
        }
        return .change(actions, result)
    }
}
