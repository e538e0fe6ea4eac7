import Foundation
import Jinja

/// tempfile: creates a uniquely named temporary file or directory on the host and reports its path.
///
///     - tempfile: { state: directory, suffix: .build }
///       register: build_dir
public struct TempfileModule: Module {
    public static let spec = ModuleSpec(
        name: "tempfile",
        arguments: [
            ArgumentSpec("state", default: .string("file"), choices: ["file", "directory"], doc: "Create a file or a directory."),
            ArgumentSpec("path", type: .path, doc: "The folder to create it in (the host's $TMPDIR, else /tmp); it must exist."),
            ArgumentSpec("prefix", default: .string("ansible."), doc: "The start of its name."),
            ArgumentSpec("suffix", default: .string(""), doc: "The end of its name."),
        ],
        doc: "Creates a temporary file or directory with a unique name (prefix, random part, suffix) and reports it as "
            + "`path`. Always changed; skipped in check mode, as Ansible's (which cannot predict a random name).",
        example: "- tempfile:\n    state: directory\n    suffix: .build\n  register: build_dir")

    var directory: Bool
    var folder: String?
    var prefix: String
    var suffix: String

    public init(_ arguments: ModuleArguments) throws {
        directory = try arguments.requiredString("state") == "directory"
        folder = try arguments.string("path")
        prefix = try arguments.requiredString("prefix")
        suffix = try arguments.requiredString("suffix")
    }

    /// Ansible's check: a prefix or suffix with a path component (a slash) would put the file elsewhere.
    var invalidNamePart: String? {
        for (name, value) in [("prefix", prefix), ("suffix", suffix)] where value.contains("/") {
            return "\(name) must be a valid file name component, got \(Value.string(value).pythonRepr)"
        }
        return nil
    }

    /// mktemp with the random part between prefix and suffix (Python's mkstemp: eight characters), then
    /// the new path's attributes for the result.
    var command: ShellCommand {
        var words = ["mktemp"]
        if directory { words.append("-d") }
        words.append(folder.map { "--tmpdir=" + $0 } ?? "--tmpdir")
        words += ["--suffix=" + suffix, "--", prefix + "XXXXXXXX"]
        return ShellCommand(parts: [.syntax("if t=$(LC_ALL=C")] + ShellCommand(words: words).parts
            + [.syntax("2>&1); then printf '%s\\n' \"$t\" && stat -c 'stat %a %u %g %U %G %s' -- \"$t\";"),
               .syntax("else printf '\(TempfileModule.failedMarker)%s\\n' \"$t\"; fi")], compound: true)
    }

    static let failedMarker = "@@deckhand-mktemp-failed@@ "

    /// mktemp's complaint as Python's OSError words it: "[Errno 2] No such file or directory: '/x/ansible.XXXXXXXX'".
    static func pythonError(_ complaint: String) -> String {
        let numbers = ["No such file or directory": 2, "Permission denied": 13, "Not a directory": 20,
                       "Read-only file system": 30, "No space left on device": 28]
        // "mktemp: failed to create file via template '/x/ansible.XXXXXXXX': No such file or directory"
        guard let quote = complaint.range(of: "template '"), let end = complaint.range(of: "': ", range: quote.upperBound..<complaint.endIndex) else {
            return complaint.hasPrefix("mktemp: ") ? String(complaint.dropFirst(8)) : complaint
        }
        let path = String(complaint[quote.upperBound..<end.lowerBound])
        let reason = String(complaint[end.upperBound...])
        return numbers[reason].map { "[Errno \($0)] \(reason): \(Value.string(path).pythonRepr)" } ?? "\(reason): \(path)"
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        if let invalidNamePart { return ModulePlan(result: .failure(invalidNamePart)) }
        var result = ModuleResult()
        result["state"] = .string(directory ? "directory" : "file")
        if context.checkMode {
            result.skipped = true
            result.msg = "tempfile does not support check mode: the name it would make cannot be known beforehand"
            return ModulePlan(result: result)
        }
        let action = HostAction.run(command).interpreting { output, result in
            let lines = output.stdoutText.splitLines
            guard output.exitStatus == 0, let path = lines.first else { return }
            if path.hasPrefix(TempfileModule.failedMarker) {
                result.failed = true
                result.changed = false
                result.values.removeValue(forKey: "state")
                result.msg = TempfileModule.pythonError(String(path.dropFirst(TempfileModule.failedMarker.count)))
                return
            }
            result["path"] = .string(path)
            let stat = lines.dropFirst().first.flatMap { line -> [String]? in
                let fields = line.split(separator: " ").map(String.init)
                return fields.count == 7 ? fields : nil
            }
            if let stat {
                result["mode"] = .string(String(format: "%04o", Int(stat[1], radix: 8) ?? 0))
                result["uid"] = .int(Int(stat[2]) ?? -1)
                result["gid"] = .int(Int(stat[3]) ?? -1)
                result["owner"] = .string(stat[4])
                result["group"] = .string(stat[5])
                result["size"] = .int(Int(stat[6]) ?? 0)
            }
        }
        return .change([action], result)
    }
}
