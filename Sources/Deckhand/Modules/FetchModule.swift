import Foundation
import Jinja

/// fetch: copies a file from the host to the controller (dest/HOST/PATH, or dest itself with flat).
///
///     - fetch: { src: /var/backups/app.dump, dest: backups/, flat: no }
public struct FetchModule: Module {
    public static let spec = ModuleSpec(
        name: "fetch",
        arguments: [
            ArgumentSpec("src", type: .path, required: true, doc: "The file on the host."),
            ArgumentSpec("dest", type: .controllerPath, required: true, doc: "A directory on the controller (the file lands in dest/HOST/src), or the file itself with flat; relative to the playbook."),
            ArgumentSpec("flat", type: .bool, default: .bool(false), doc: "Write to dest directly (dest ending in / gets the file's base name)."),
            ArgumentSpec("fail_on_missing", type: .bool, default: .bool(true), doc: "Fail when src does not exist."),
            ArgumentSpec("validate_checksum", type: .bool, default: .bool(true), doc: "Check the copy's SHA-1 against the host's."),
        ],
        doc: "Copies a file from the host to the controller; unchanged when the local copy already has the same "
            + "SHA-1. The probe compares checksums, so only a changed file is transferred; written atomically.",
        example: "- fetch:\n    src: /var/backups/app.dump\n    dest: backups/\n  # -> backups/web1/var/backups/app.dump")

    var source: String
    var dest: String
    var flat: Bool
    var failOnMissing: Bool
    var validateChecksum: Bool

    public init(_ arguments: ModuleArguments) throws {
        source = try arguments.requiredString("src")
        dest = try arguments.requiredString("dest")
        flat = try arguments.bool("flat")
        failOnMissing = try arguments.bool("fail_on_missing")
        validateChecksum = try arguments.bool("validate_checksum")
    }

    /// Where the file lands on the controller for `host` (a relative dest is relative to the playbook).
    func localPath(host: String, relativeTo directory: String? = nil) -> String {
        var dest = self.dest
        if !dest.hasPrefix("/"), let directory { dest = directory + "/" + dest }
        if flat {
            return dest.hasSuffix("/") ? dest + (source as NSString).lastPathComponent : dest
        }
        let base = dest.hasSuffix("/") ? String(dest.dropLast()) : dest
        return base + "/" + host + (source.hasPrefix("/") ? source : "/" + source)
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        FileState.probe(source, checksum: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let remote = try FileState(probeOutput: probe?.stdout ?? Data())
        let local = localPath(host: context.hostName, relativeTo: context.playbookDirectory)
        var result = ModuleResult()
        result["dest"] = .string(local)
        result["file"] = .string(source)
        guard remote.kind == .file else {
            let reason = remote.kind == .absent ? "the remote file does not exist" : "remote file is a \(remote.kind.rawValue), fetch cannot work on it"
            if failOnMissing || remote.kind != .absent { return ModulePlan(result: .failure("\(reason): \(source)")) }
            result.msg = reason + ", not transferring, ignored"
            return .unchanged(result)
        }
        result["remote_checksum"] = remote.checksum.map(Value.string) ?? Value.none
        result["checksum"] = remote.checksum.map(Value.string) ?? Value.none
        let existing = FileManager.default.contents(atPath: local)
        if let existing, ContentDigest.sha1(existing) == remote.checksum { return .unchanged(result) }
        let expected = remote.checksum
        let validate = validateChecksum
        let action = HostAction.run(ShellCommand("cat", "--", source)).interpreting { output, _ in
            guard output.exitStatus == 0 else { return }
            if validate, let expected, ContentDigest.sha1(output.stdout) != expected {
                throw ModuleArgumentError("checksum mismatch fetching \(local): the file changed on the host while it was read; run again")
            }
            let url = URL(fileURLWithPath: local)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            // Atomic on the controller too: a temporary file beside it, then rename.
            try output.stdout.write(to: url, options: .atomic)
        }
        if context.diffMode {
            result.diffs.append(ModuleDiff(beforeHeader: local, afterHeader: local,
                                           before: existing.map { _ in "checksum: \(ContentDigest.sha1(existing ?? Data()))\n" } ?? "state: absent\n",
                                           after: "checksum: \(expected ?? "")\n"))
        }
        return .change([action], result)
    }
}
