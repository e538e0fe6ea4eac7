import Foundation
import Jinja
import SSH

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
        present = try arguments.choice("state", ["present", "absent"], default: "present") == "present"
        system = try arguments.bool("system", default: false)
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand("getent", "group", name).or(ShellCommand("true"))
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let fields = (probe?.stdoutText.trimmed ?? "").components(separatedBy: ":")
        let exists = fields.count >= 3 && fields[0] == name
        var result = ModuleResult(values: ["name": .string(name), "state": .string(present ? "present" : "absent")])
        if !present {
            return exists ? .change([.run(ShellCommand("groupdel", name))], result) : .unchanged(result)
        }
        if !exists {
            var words = ["groupadd"]
            if let gid { words += ["-g", String(gid)] }
            if system { words.append("-r") }
            if let gid { result["gid"] = .int(gid) }
            return .change([.run(ShellCommand(words: words + [name]))], result)
        }
        let current = Int(fields[2])
        result["gid"] = .int(gid ?? current ?? -1)
        if let gid, gid != current {
            return .change([.run(ShellCommand("groupmod", "-g", String(gid), name))], result)
        }
        return .unchanged(result)
    }
}
