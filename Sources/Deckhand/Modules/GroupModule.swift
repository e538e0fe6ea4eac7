import Foundation
import Jinja
import SSH

/// group: makes sure a Unix group exists (with a gid) or does not.
///
///     - group: { name: webapps, system: yes }
public struct GroupModule: Module {
    public static let spec = ModuleSpec(
        name: "group",
        arguments: [
            ArgumentSpec("name", required: true, doc: "The group's name."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
            ArgumentSpec("gid", type: .int, doc: "The group's numeric id."),
            ArgumentSpec("system", type: .bool, default: .bool(false), doc: "Create a system group (low gid)."),
            ArgumentSpec("non_unique", type: .bool, default: .bool(false), doc: "Allow a gid another group has."),
            ArgumentSpec("local", type: .bool, default: .bool(false), doc: "Accepted; groupadd is always used."),
        ],
        doc: "Creates, changes the gid of, or removes a Unix group with groupadd/groupmod/groupdel.",
        example: "- group:\n    name: webapps\n    system: yes")

    var name: String
    var present: Bool
    var gid: Int?
    var system: Bool
    var nonUnique: Bool

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name")
        guard !name.isEmpty, !name.contains(":"), !name.contains("\n") else {
            throw ModuleArgumentError("group name \(name.debugDescription) is not valid (no ':' or newlines)")
        }
        present = try arguments.choice("state", ["present", "absent"], default: "present") == "present"
        gid = try arguments.int("gid")
        system = try arguments.bool("system", default: false)
        nonUnique = try arguments.bool("non_unique", default: false)
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand("getent", "group", name).or(ShellCommand("true"))
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let line = (probe?.stdoutText ?? "").splitLines.first { $0.hasPrefix(name + ":") }
        let currentGid = line.flatMap { $0.split(separator: ":", omittingEmptySubsequences: false).dropFirst(2).first }.flatMap { Int($0) }
        var result = ModuleResult()
        result["name"] = .string(name)
        result["state"] = .string(present ? "present" : "absent")
        result["system"] = .bool(system)
        func diff(_ before: String, _ after: String) {
            if context.diffMode { result.diffs.append(ModuleDiff(beforeHeader: name, afterHeader: name, before: before, after: after)) }
        }
        if !present {
            guard line != nil else { return .unchanged(result) }
            diff("state: present\n", "state: absent\n")
            return .change([.run(ShellCommand("groupdel", name))], result)
        }
        guard line != nil else {
            var words = ["groupadd"]
            if let gid { words += ["-g", String(gid)] }
            if nonUnique { words.append("-o") }
            if system { words.append("-r") }
            result["gid"] = gid.map(Value.int) ?? .none
            diff("state: absent\n", "state: present\n")
            return .change([.run(ShellCommand(words: words + ["--", name]))], result)
        }
        result["gid"] = currentGid.map(Value.int) ?? .none
        if let gid, gid != currentGid {
            result["gid"] = .int(gid)
            diff("gid: \(currentGid.map(String.init) ?? "?")\n", "gid: \(gid)\n")
            return .change([.run(ShellCommand(words: ["groupmod", "-g", String(gid)] + (nonUnique ? ["-o"] : []) + ["--", name]))], result)
        }
        return .unchanged(result)
    }
}
