import Foundation
import Jinja

/// group: makes sure a local group exists (with a gid) or does not.
///
///     - group: { name: webapps, system: yes }
public struct GroupModule: Module {
    public static let spec = ModuleSpec(
        name: "group",
        arguments: [
            ArgumentSpec("name", required: true, doc: "The group name."),
            ArgumentSpec("gid", type: .int, doc: "The group id."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
            ArgumentSpec("system", type: .bool, default: .bool(false), doc: "Create a system group."),
        ],
        doc: "Ensures a local group exists with the given gid, or is removed.",
        example: "- group:\n    name: webapps\n    system: yes")

    var name: String
    var gid: Int?
    var present: Bool
    var system: Bool

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name")
        gid = try arguments.int("gid")
        present = try arguments.requiredString("state") == "present"
        system = try arguments.bool("system")
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand("getent", "group", name).or(ShellCommand("true"))
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let fields = (probe?.stdoutText.trimmed ?? "").components(separatedBy: ":")
        let exists = fields.count >= 3 && fields[0] == name
        let current = exists ? Int(fields[2]) : nil
        var result = ModuleResult(values: ["name": .string(name), "state": .string(present ? "present" : "absent")])
        let command: ShellCommand?
        if !present {
            command = exists ? ShellCommand("groupdel", name) : nil
        } else if !exists {
            var words = ["groupadd"]
            if let gid { words += ["-g", String(gid)] }
            if system { words.append("-r") }
            command = ShellCommand(words: words + [name])
        } else if let gid, gid != current {
            command = ShellCommand("groupmod", "-g", String(gid), name)
        } else {
            command = nil
        }
        if present, let shown = gid ?? current { result["gid"] = .int(shown) }
        guard let command else { return .unchanged(result) }
        if context.diffMode {
            func state(_ exists: Bool, _ gid: Int?) -> String {
                exists ? "state: present\n" + (gid.map { "gid: \($0)\n" } ?? "") : "state: absent\n"
            }
            result.diffs.append(ModuleDiff(beforeHeader: "group \(name)", afterHeader: "group \(name)",
                                           before: state(exists, current), after: state(present, gid ?? (present ? current : nil))))
        }
        return .change([.run(command)], result)
    }
}
