import Foundation
import Jinja
import OrderedCollections
import SSH

/// stat: reads what a path is (exists, kind, mode, owner, size, checksum) into `stat.*`; changes nothing.
///
///     - stat: { path: /webapps/app/current }
///       register: current
///     - debug: { msg: "deployed" }
///       when: current.stat.exists and current.stat.islnk
public struct StatModule: Module {
    public static let spec = ModuleSpec(
        name: "stat",
        arguments: [
            ArgumentSpec("path", type: .path, required: true, aliases: ["dest", "name"], doc: "The path to look at."),
            ArgumentSpec("get_checksum", type: .bool, default: .bool(true), doc: "Include the SHA-1 of a regular file."),
            ArgumentSpec("checksum_algorithm", default: .string("sha1"), choices: ["sha1"], doc: "Only sha1."),
            ArgumentSpec("follow", type: .bool, default: .bool(false), doc: "Accepted; links are reported as links."),
            ArgumentSpec("get_mime", type: .bool, default: .bool(false), doc: "Accepted and ignored."),
            ArgumentSpec("get_attributes", type: .bool, default: .bool(false), doc: "Accepted and ignored."),
        ],
        doc: "Reports whether a path exists and what it is, as `stat.exists`, `stat.isdir`, `stat.mode`, `stat.checksum`...",
        example: "- stat:\n    path: /etc/nginx/sites-enabled/default\n  register: default_site")

    var path: String
    var checksum: Bool

    public init(_ arguments: ModuleArguments) throws {
        path = try arguments.requiredString("path", "dest", "name")
        checksum = try arguments.bool("get_checksum", default: true)
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        FileState.probe(path, checksum: checksum)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let state = try FileState(probeOutput: probe?.stdout ?? Data())
        var stat: OrderedDictionary<String, Value> = ["exists": .bool(state.exists)]
        if state.exists {
            stat["path"] = .string(path)
            stat["isdir"] = .bool(state.kind == .directory)
            stat["isreg"] = .bool(state.kind == .file)
            stat["islnk"] = .bool(state.kind == .link)
            if let mode = state.mode { stat["mode"] = .string(String(format: "%04o", mode)) }
            if let uid = state.uid { stat["uid"] = .int(uid) }
            if let gid = state.gid { stat["gid"] = .int(gid) }
            if let owner = state.owner { stat["pw_name"] = .string(owner) }
            if let group = state.group { stat["gr_name"] = .string(group) }
            if let size = state.size { stat["size"] = .int(size) }
            if let checksum = state.checksum { stat["checksum"] = .string(checksum) }
            if let target = state.linkTarget { stat["lnk_source"] = .string(target); stat["lnk_target"] = .string(target) }
            if let mode = state.mode {
                stat["readable"] = .bool(mode & 0o444 != 0)
                stat["executable"] = .bool(mode & 0o111 != 0)
            }
        }
        return .unchanged(ModuleResult(values: ["stat": .dict(stat)]))
    }
}
