import Foundation
import Jinja

/// sysctl (ansible.posix): a kernel parameter in a sysctl file, optionally set at once (`sysctl -w`) and the
/// file reloaded (`sysctl -p FILE`). The file is rewritten as ansible.posix writes it: `key=value` lines,
/// comments kept, a repeated key kept once.
///
///     - sysctl: { name: vm.swappiness, value: "10", sysctl_file: /etc/sysctl.d/90-app.conf }
public struct SysctlModule: Module {
    public static let spec = ModuleSpec(
        name: "sysctl",
        arguments: [
            ArgumentSpec("name", required: true, aliases: ["key"], singleLine: true, doc: "The parameter (vm.swappiness)."),
            ArgumentSpec("value", aliases: ["val"], singleLine: true, doc: "Its value (yes/no become 1/0)."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "In the file or not."),
            ArgumentSpec("sysctl_file", type: .path, default: .string("/etc/sysctl.conf"), doc: "The file holding it."),
            ArgumentSpec("reload", type: .bool, default: .bool(true), doc: "sysctl -p the file when something changed."),
            ArgumentSpec("sysctl_set", type: .bool, default: .bool(false), doc: "Also set the running value with sysctl -w."),
            ArgumentSpec("ignoreerrors", type: .bool, default: .bool(false), doc: "Ignore unknown keys (sysctl -e)."),
        ],
        doc: "Sets a kernel parameter in a sysctl file (key=value), reloads the file, and with sysctl_set sets the running "
            + "value; changed when the file or (with reload/sysctl_set) the running value differs.",
        example: "- sysctl:\n    name: vm.swappiness\n    value: \"10\"\n    sysctl_file: /etc/sysctl.d/90-app.conf")

    var name: String
    var value: String
    var present: Bool
    var file: String
    var reload: Bool
    var setRunning: Bool
    var ignoreErrors: Bool

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name").trimmed
        let given = try arguments.string("value")?.trimmed ?? ""
        switch given.lowercased() {
        case "yes", "on", "true", "y", "t": value = "1"
        case "no", "off", "false", "n", "f": value = "0"
        default: value = given
        }
        present = try arguments.requiredString("state") == "present"
        file = try arguments.requiredString("sysctl_file")
        reload = try arguments.bool("reload")
        setRunning = try arguments.bool("sysctl_set")
        ignoreErrors = try arguments.bool("ignoreerrors")
        if present && value.isEmpty { throw ModuleArgumentError("sysctl: state present needs a value") }
        if name.isEmpty || name.contains("=") || name.contains(where: \.isWhitespace) {
            throw ModuleArgumentError("sysctl: '\(name)' is not a parameter name (vm.swappiness)")
        }
    }

    /// The running value (after `@@proc`, none when the key is unknown), then the file.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand("echo", "@@proc").then(ShellCommand("sysctl", "-e", "-n", name).silencingErrors)
            .then(ShellCommand("echo", "@@file")).then(ShellCommand("cat", "--", file).silencingErrors).then(ShellCommand("true"))
    }

    static func sections(_ output: String) -> (proc: String?, file: [String]) {
        guard let procStart = output.range(of: "@@proc\n"), let fileStart = output.range(of: "\n@@file\n") ?? output.range(of: "@@file\n") else {
            return (nil, [])
        }
        let proc = String(output[procStart.upperBound..<fileStart.lowerBound])
        return (proc.isEmpty ? nil : proc, String(output[fileStart.upperBound...]).splitLines)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let (proc, lines) = SysctlModule.sections(probe?.stdoutText ?? "")
        var fileValue: String?
        var fixed: [String] = []
        var seen: Set<String> = []
        for raw in lines {
            let line = raw.trimmed
            guard !line.isEmpty, !line.hasPrefix("#"), !line.hasPrefix(";"), let equals = line.firstIndex(of: "=") else {
                fixed.append(line)
                continue
            }
            let key = String(line[..<equals]).trimmed
            let current = String(line[line.index(after: equals)...]).trimmed
            if key == name { fileValue = current }
            guard seen.insert(key).inserted else { continue }
            if key == name {
                if present { fixed.append("\(key)=\(value)") }
            } else {
                fixed.append("\(key)=\(current)")
            }
        }
        if !seen.contains(name) && present { fixed.append("\(name)=\(value)") }
        let runningDiffers = proc.map { $0.split(whereSeparator: \.isWhitespace) != value.split(whereSeparator: \.isWhitespace) } ?? true
        var changed = false
        var writeFile = false
        if fileValue == nil {
            if present { changed = true; writeFile = true }
        } else if !present || fileValue != value {
            changed = true
            writeFile = true
        } else if reload && runningDiffers {
            changed = true
        }
        var setProc = false
        if setRunning && present && runningDiffers {
            changed = true
            setProc = proc != nil
        }
        var result = ModuleResult()
        guard changed else { return .unchanged(result) }
        var actions: [HostAction] = []
        if setProc {
            actions.append(.run(ShellCommand(words: ["sysctl"] + (ignoreErrors ? ["-e"] : []) + ["-w", "\(name)=\(value)"])))
        }
        if writeFile {
            let text = fixed.map { $0 + "\n" }.joined()
            actions.append(.put(Data(text.utf8), to: file))
            if context.diffMode {
                result.diffs.append(ModuleDiff(beforeHeader: file, afterHeader: file, before: lines.map { $0 + "\n" }.joined(), after: text))
            }
        }
        if reload {
            actions.append(.run(ShellCommand(words: ["sysctl"] + (ignoreErrors ? ["-e"] : []) + ["-p", file])))
        }
        return .change(actions, result)
    }
}
