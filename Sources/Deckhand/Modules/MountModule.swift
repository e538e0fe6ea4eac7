import Foundation
import Jinja

/// mount: keeps a mount point's line in fstab and the mount itself as wanted.
///
///     - mount: { path: /srv/docker, src: /dev/nvme1n1, fstype: ext4, opts: noatime, state: mounted }
public struct MountModule: Module {
    public static let spec = ModuleSpec(
        name: "mount",
        aliases: ["ansible.posix.mount"],
        arguments: [
            ArgumentSpec("path", type: .path, required: true, aliases: ["name"], singleLine: true, doc: "The mount point."),
            ArgumentSpec("src", singleLine: true, doc: "The device (or UUID=..., LABEL=..., host:/export); required for mounted and present."),
            ArgumentSpec("fstype", singleLine: true, doc: "The file system type; required for mounted and present."),
            ArgumentSpec("opts", singleLine: true, doc: "Mount options (defaults)."),
            ArgumentSpec("dump", default: .string("0"), singleLine: true, doc: "fstab's fifth field."),
            ArgumentSpec("passno", default: .string("0"), singleLine: true, doc: "fstab's sixth field."),
            ArgumentSpec("state", required: true, choices: ["mounted", "present", "unmounted", "absent", "remounted"],
                         doc: "mounted: in fstab and mounted (the mount point made); present: in fstab only; "
                            + "unmounted: not mounted, fstab kept; absent: neither; remounted: mount -o remount."),
            ArgumentSpec("fstab", type: .path, default: .string("/etc/fstab"), doc: "The fstab file to keep (another one for tests or chroots)."),
            ArgumentSpec("boot", type: .bool, default: .bool(true), doc: "Mounted at boot: false adds noauto to the options."),
        ],
        doc: "Writes the mount point's line in fstab (replacing the line for the same mount point) and mounts, "
            + "unmounts or remounts with mount/umount; changing the line of a mounted file system remounts it.",
        example: "- mount:\n    path: /srv/docker\n    src: /dev/nvme1n1\n    fstype: ext4\n    opts: noatime\n    state: mounted")

    var path: String
    var source: String?
    var fstype: String?
    var options: String
    var dump: String
    var passno: String
    var state: String
    var fstab: String

    public init(_ arguments: ModuleArguments) throws {
        let given = try arguments.requiredString("path")
        path = given.count > 1 && given.hasSuffix("/") ? String(given.dropLast()) : given
        source = try arguments.string("src")
        fstype = try arguments.string("fstype")
        var options = try arguments.string("opts") ?? "defaults"
        if !(try arguments.bool("boot")) && !options.split(separator: ",").contains("noauto") {
            options = options == "defaults" ? "noauto" : options + ",noauto"
        }
        self.options = options
        dump = try arguments.requiredString("dump")
        passno = try arguments.requiredString("passno")
        state = try arguments.requiredString("state")
        fstab = try arguments.requiredString("fstab")
        if state == "mounted" || state == "present" {
            guard source != nil, fstype != nil else { throw ModuleArgumentError("mount with state \(state) needs src and fstype") }
        }
    }

    static let marker = "@@deckhand-mounted@@"

    /// The fstab text, a marker, then the mount at `path` as findmnt reports it (nothing when not mounted).
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand("cat", fstab).silencingErrors.or(ShellCommand("true"))
            .then(ShellCommand("echo", Self.marker))
            .then(ShellCommand("findmnt", "-rn", "-o", "SOURCE,FSTYPE", "--mountpoint", path).or(ShellCommand("true")))
    }

    /// fstab's octal escapes for the characters that would split a field.
    static func escape(_ field: String) -> String {
        var out = ""
        for character in field {
            switch character {
            case " ": out += "\\040"
            case "\t": out += "\\011"
            case "\\": out += "\\134"
            default: out.append(character)
            }
        }
        return out
    }

    static func unescape(_ field: String) -> String {
        field.replacingOccurrences(of: "\\040", with: " ").replacingOccurrences(of: "\\011", with: "\t")
            .replacingOccurrences(of: "\\134", with: "\\")
    }

    /// The wanted fstab text: the line for `path` replaced (or appended, or removed when `line` is nil).
    static func editedFstab(_ text: String, path: String, line: String?) -> String {
        var lines = text.splitLines
        var placed = false
        lines = lines.compactMap { existing in
            let fields = existing.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard !existing.trimmed.hasPrefix("#"), fields.count >= 2, unescape(String(fields[1])) == path else { return existing }
            if placed { return nil }
            placed = true
            return line
        }
        if !placed, let line { lines.append(line) }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let output = probe?.stdoutText ?? ""
        let parts = output.components(separatedBy: Self.marker + "\n")
        let currentFstab = parts.first ?? ""
        let mount = parts.count > 1 ? parts[1].splitLines.first?.split(separator: " ").map(String.init) : nil
        let mounted = mount != nil

        var result = ModuleResult(values: ["name": .string(path), "fstab": .string(fstab)])
        if let source { result["src"] = .string(source) }
        if let fstype { result["fstype"] = .string(fstype) }
        result["opts"] = .string(options)

        var actions: [HostAction] = []
        var wantedFstab = currentFstab
        switch state {
        case "mounted", "present":
            let line = [source ?? "", path, fstype ?? "", options, dump, passno].map(Self.escape).joined(separator: " ")
            wantedFstab = Self.editedFstab(currentFstab, path: path, line: line)
        case "absent":
            wantedFstab = Self.editedFstab(currentFstab, path: path, line: nil)
        default: break
        }
        let fstabChanged = wantedFstab != currentFstab
        if fstabChanged { actions.append(.put(Data(wantedFstab.utf8), to: fstab)) }

        switch state {
        case "mounted" where !mounted:
            actions.append(.run(ShellCommand("mkdir", "-p", path)
                .and(ShellCommand("mount", "-t", fstype ?? "auto", "-o", options, source ?? "", path))))
        case "mounted" where fstabChanged:
            // The line changed under a mounted file system: its options take effect now, as Ansible does.
            actions.append(.run(ShellCommand("mount", "-o", "remount," + options, path)))
        case "unmounted" where mounted, "absent" where mounted:
            actions.append(.run(ShellCommand("umount", path)))
        case "remounted":
            guard mounted else { return ModulePlan(result: .failure("\(path) is not mounted: nothing to remount")) }
            actions.append(.run(ShellCommand(words: ["mount", "-o", "remount"] + (options == "defaults" ? [] : ["-o", options]) + [path])))
        default: break
        }
        if state == "absent" {
            // An empty mount point goes too, as Ansible removes it; one that holds files stays.
            actions.append(.run(ShellCommand("rmdir", path).silencingErrors.or(ShellCommand("true"))))
            if !mounted && !fstabChanged { return .unchanged(result) }
        }
        guard !actions.isEmpty else { return .unchanged(result) }
        if context.diffMode {
            if fstabChanged {
                result.diffs.append(ModuleDiff(beforeHeader: fstab, afterHeader: fstab, before: currentFstab, after: wantedFstab))
            }
            let willMount = state == "mounted" || state == "remounted" || (state == "present" && mounted)
            if mounted != willMount {
                result.diffs.append(ModuleDiff(beforeHeader: path, afterHeader: path,
                                               before: "mounted: \(mounted)\n", after: "mounted: \(willMount)\n"))
            }
        }
        return .change(actions, result)
    }
}
