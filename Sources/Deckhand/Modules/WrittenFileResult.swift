import Foundation
import Jinja

extension FileContent {
    /// The plan, its result carrying what Ansible's copy (and so template) reports of the file: md5sum, state,
    /// and the file's uid, gid, owner, group and mode as they are after the task (read back from the host
    /// after a write; as probed, or as wanted in check mode, otherwise). `source` is the controller file the
    /// content came from (Ansible reports its upload's path there).
    func planReportingFile(current: FileState, diffMode: Bool, source: String?) throws -> ModulePlan {
        var plan = try plan(current: current, diffMode: diffMode)
        guard !plan.result.failed else { return plan }
        if let source, plan.result.changed { plan.result["src"] = .string(source) }
        plan.result["md5sum"] = .string(ContentDigest.md5(data))
        plan.result["state"] = .string("file")
        if let uid = current.uid { plan.result["uid"] = .int(uid) }
        if let gid = current.gid { plan.result["gid"] = .int(gid) }
        if let name = owner ?? current.owner { plan.result["owner"] = .string(name) }
        if let name = group ?? current.group { plan.result["group"] = .string(name) }
        if let wanted = try mode?.resolve(current: current.mode, isDirectory: false) ?? current.mode {
            plan.result["mode"] = .string(String(format: "%04o", wanted))
        }
        guard !plan.actions.isEmpty else { return plan }
        let readBack = HostAction.run(ShellCommand("stat", "-c", "%u %g %a %U %G", "--", path)).interpreting { output, result in
            let fields = output.stdoutText.trimmed.split(separator: " ", maxSplits: 4).map(String.init)
            guard fields.count == 5, let uid = Int(fields[0]), let gid = Int(fields[1]), let mode = Int(fields[2], radix: 8) else { return }
            result["uid"] = .int(uid)
            result["gid"] = .int(gid)
            result["mode"] = .string(String(format: "%04o", mode))
            result["owner"] = .string(fields[3])
            result["group"] = .string(fields[4])
        }
        plan.actions.append(readBack)
        return plan
    }
}
