import Foundation
import Jinja

/// The shared heart of copy, template and lineinfile: make the file at `path` hold `data`, with attributes.
struct FileContent {
    var path: String
    var data: Data
    var mode: FileMode?
    var owner: String?
    var group: String?
    var backup: Bool = false
    /// When false, an existing file is left alone whatever it holds (copy's `force: no`).
    var force: Bool = true
    /// Ansible's `validate`: a command with `%s`, run on the new file before it replaces the old one.
    var validate: [String]? = nil
    /// Set by the editing modules (lineinfile, blockinfile, replace): the write happens only if the file is
    /// still as probed, so a concurrent edit is read again instead of overwritten.
    var expected: FileExpectation? = nil
    /// The encoding of the file's text, for the diff (the editing modules' `encoding`).
    var textEncoding: TextEncoding = .utf8

    /// Compares the probed file with the wanted contents and attributes.
    func plan(current: FileState, diffMode: Bool) throws -> ModulePlan {
        let checksum = ContentDigest.sha1(data)
        var result = ModuleResult()
        result["dest"] = .string(path)
        result["checksum"] = .string(checksum)
        result["size"] = .int(data.count)
        if current.kind == .directory {
            return ModulePlan(result: .failure("\(path) is a directory; give the full path of the file to write"))
        }
        let contentDiffers = current.kind != .file || (force && current.checksum != checksum)
        let newMode = try mode?.resolve(current: current.mode, isDirectory: false)
        if contentDiffers {
            var actions: [HostAction] = []
            if backup, current.kind == .file {
                let backupPath = path + "." + FileContent.backupStamp()
                actions.append(.run(ShellCommand("cp", "-p", "--", path, backupPath)))
                result["backup_file"] = .string(backupPath)
            }
            actions.append(.put(data, to: path, mode: newMode, owner: owner, group: group, validate: validate,
                                expected: expected))
            if diffMode {
                let text = { (data: Data) in (try? textEncoding.decode(data)) ?? String(decoding: data, as: UTF8.self) }
                result.diffs.append(ModuleDiff(
                    beforeHeader: current.exists ? path : "\(path) (absent)", afterHeader: path,
                    before: current.content.map(text) ?? "", after: text(data)))
            }
            return .change(actions, result)
        }
        if let change = try current.attributeChanges(mode: mode, owner: owner, group: group) {
            if diffMode {
                var after = current
                if let mode = change.mode { after.mode = mode }
                if let owner = change.owner { after.owner = owner }
                if let group = change.group { after.group = group }
                result.diffs.append(ModuleDiff(beforeHeader: path, afterHeader: path,
                                               before: current.summary, after: after.summary))
            }
            return .change([.run(FileState.applying(change, to: path))], result)
        }
        return .unchanged(result)
    }

    static func backupStamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd@HH:mm:ss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return "\(getpid()).\(formatter.string(from: Date()))~"
    }
}
