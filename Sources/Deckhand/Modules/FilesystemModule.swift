import Foundation
import Jinja

/// filesystem: makes a file system on a block device (or image file) that has none; never reformats one that
/// has another unless `force`.
///
///     - filesystem: { dev: /dev/nvme1n1, fstype: ext4 }
public struct FilesystemModule: Module {
    public static let spec = ModuleSpec(
        name: "filesystem",
        aliases: ["community.general.filesystem"],
        arguments: [
            ArgumentSpec("dev", type: .path, required: true, aliases: ["device", "src"], doc: "The block device (or image file)."),
            ArgumentSpec("fstype", aliases: ["type"], doc: "The file system to make (ext4, xfs, btrfs, vfat, swap...); required with state present."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"],
                         doc: "present: make the file system when the device has none; absent: wipe its signatures (wipefs -a)."),
            ArgumentSpec("force", type: .bool, default: .bool(false), doc: "Make it even when the device already holds another file system."),
            ArgumentSpec("opts", doc: "More words for mkfs."),
        ],
        doc: "Makes a file system with mkfs.<fstype> when the device has none (blkid says which it has); a device "
            + "holding another file system fails unless force is set. state absent wipes the signatures with wipefs.",
        example: "- filesystem:\n    dev: /dev/nvme1n1\n    fstype: ext4")

    var device: String
    var fstype: String?
    var present: Bool
    var force: Bool
    var options: [String]

    public init(_ arguments: ModuleArguments) throws {
        device = try arguments.requiredString("dev")
        fstype = try arguments.string("fstype")
        present = try arguments.requiredString("state") == "present"
        force = try arguments.bool("force")
        options = try ShellWords.split(try arguments.string("opts") ?? "")
        if present && (fstype ?? "").isEmpty { throw ModuleArgumentError("filesystem with state present needs fstype") }
    }

    /// `missing`, or `found` then what blkid reads (TYPE=..., PTTYPE=...; nothing on a blank device).
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand("test", "-e", device).and(ShellCommand("echo", "found"))
            .and(ShellCommand("blkid", "-c", "/dev/null", "-o", "export", device).or(ShellCommand("true")))
            .or(ShellCommand("echo", "missing"))
    }

    /// The value of `key` in blkid's export lines after `found`, "" when absent; nil when the device does not exist.
    static func probed(_ key: String, _ probe: CommandResult?) -> String? {
        let lines = (probe?.stdoutText ?? "").splitLines
        guard lines.first == "found" else { return nil }
        let line = lines.dropFirst().first { $0.hasPrefix(key + "=") }
        return line.map { String($0.dropFirst(key.count + 1)) } ?? ""
    }

    /// The file system blkid found, "" for none, nil when the device does not exist.
    static func currentType(_ probe: CommandResult?) -> String? { probed("TYPE", probe) }

    /// mkfs's flag that makes it write over whatever is there (ext asks otherwise on some devices).
    static func forceFlag(_ fstype: String) -> [String] {
        switch fstype {
        case "ext2", "ext3", "ext4", "ext4dev": return ["-F"]
        case "xfs", "btrfs", "f2fs": return ["-f"]
        case "ocfs2": return ["-Fx"]
        default: return []
        }
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        guard let current = Self.currentType(probe) else {
            return ModulePlan(result: .failure("Device \(device) not found."))
        }
        var result = ModuleResult()
        let wanted = present ? fstype ?? "" : ""
        guard current != wanted else { return .unchanged(result) }
        if context.diffMode {
            result.diffs.append(ModuleDiff(beforeHeader: device, afterHeader: device,
                                           before: "fstype: \(current.isEmpty ? "none" : current)\n",
                                           after: "fstype: \(wanted.isEmpty ? "none" : wanted)\n"))
        }
        guard present else { return .change([.run(ShellCommand("wipefs", "-a", device))], result) }
        if !current.isEmpty && !force {
            return ModulePlan(result: .failure("'\(device)' is already used as \(current), use force=true to overwrite"))
        }
        // A whole disk holding partitions shows no TYPE: formatting it would lose them all.
        if let table = Self.probed("PTTYPE", probe), !table.isEmpty, current.isEmpty, !force {
            return ModulePlan(result: .failure("'\(device)' holds a \(table) partition table: name a partition, or use force=true to overwrite"))
        }
        let mkfs: [String]
        if wanted == "swap" {
            mkfs = ["mkswap"] + (force ? ["-f"] : []) + options + [device]
        } else {
            // The device holds nothing (or force was given), so mkfs may always write without asking.
            mkfs = ["mkfs.\(wanted)"] + Self.forceFlag(wanted) + options + [device]
        }
        return .change([.run(ShellCommand(words: mkfs))], result)
    }
}
