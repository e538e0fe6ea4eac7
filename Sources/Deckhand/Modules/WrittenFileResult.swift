import Foundation
import Jinja

/// What Ansible adds to a file module's result about the path (its add_path_info): uid, gid, owner, group,
/// mode (0%03o: "0644", "01777") and size, as they are after the task. Known from the probe when nothing changes (or in check mode,
/// as wanted); read back from the host by one `stat` after a change.
enum PathInfo {
    static func provisional(_ state: FileState, into result: inout ModuleResult) {
        if let uid = state.uid { result["uid"] = .int(uid) }
        if let gid = state.gid { result["gid"] = .int(gid) }
        if let owner = state.owner { result["owner"] = .string(owner) }
        if let group = state.group { result["group"] = .string(group) }
        if let mode = state.mode { result["mode"] = .string(String(format: "0%03o", mode)) }
    }

    static let format = "%u %g %a %s %U %G"

    static func readBack(_ path: String) -> HostAction {
        HostAction.run(ShellCommand("stat", "-c", format, "--", path)).interpreting { output, result in
            let fields = output.stdoutText.trimmed.split(separator: " ", maxSplits: 5).map(String.init)
            guard fields.count == 6, let uid = Int(fields[0]), let gid = Int(fields[1]), let mode = Int(fields[2], radix: 8),
                  let size = Int(fields[3]) else { return }
            result["uid"] = .int(uid)
            result["gid"] = .int(gid)
            result["mode"] = .string(String(format: "0%03o", mode))
            result["size"] = .int(size)
            result["owner"] = .string(fields[4])
            result["group"] = .string(fields[5])
        }
    }
}

extension FileContent {
    /// The plan, its result carrying what Ansible's copy (and so template) reports of the file: md5sum, state,
    /// and the path's attributes after the task (PathInfo). `source` is the controller file the content came
    /// from (Ansible reports its upload's path there).
    func planReportingFile(current: FileState, diffMode: Bool, source: String?) throws -> ModulePlan {
        var plan = try plan(current: current, diffMode: diffMode)
        guard !plan.result.failed else { return plan }
        if let source, plan.result.changed { plan.result["src"] = .string(source) }
        plan.result["md5sum"] = .string(ContentDigest.md5(data))
        plan.result["state"] = .string("file")
        var after = current
        if let owner { after.owner = owner }
        if let group { after.group = group }
        after.mode = try mode?.resolve(current: current.mode, isDirectory: false) ?? current.mode
        PathInfo.provisional(after, into: &plan.result)
        if !plan.actions.isEmpty { plan.actions.append(PathInfo.readBack(path)) }
        return plan
    }
}
