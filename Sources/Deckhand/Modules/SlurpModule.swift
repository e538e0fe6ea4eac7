import Foundation
import Jinja
import OrderedCollections

/// slurp: reads a file from the host into `content` (base64, or the text itself with `armor: false`), as
/// Ansible's slurp does.
///
///     - slurp: { src: /webapps/app/.env }
///       register: env
///     - debug: { msg: "{{ env.content | b64decode }}" }
public struct SlurpModule: Module {
    public static let spec = ModuleSpec(
        name: "slurp",
        arguments: [
            ArgumentSpec("src", type: .path, required: true, aliases: ["path"], doc: "The file to read."),
            ArgumentSpec("armor", type: .bool, default: .bool(true),
                         doc: "Return the content base64-encoded (encoding base64); false returns the text (encoding utf-8)."),
        ],
        doc: "Reads a file on the host and returns it in `content`: base64-encoded, or as text with `armor: false`.",
        example: "- slurp:\n    src: /etc/hostname\n  register: hostname_file")

    var source: String
    var armor: Bool

    public init(_ arguments: ModuleArguments) throws {
        source = try arguments.requiredString("src")
        armor = try arguments.bool("armor")
    }

    /// What the probe found, on its first line; a readable file's base64 follows `file`.
    enum Finding: String {
        case file, unreadable, directory, missing, notDirectory = "notdir"
    }

    /// The checks in the order open(2) meets them: an unreadable path (a directory too) is EACCES before a
    /// directory is EISDIR; a path not found is ENOTDIR when its nearest existing ancestor is no directory,
    /// and EACCES when that ancestor is a folder the user may not enter.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand(parts: [
            .assignment("p", source), .syntax(";"),
            .syntax("if test -e \"$p\" && ! test -r \"$p\"; then echo unreadable;"),
            .syntax("elif test -d \"$p\"; then echo directory;"),
            .syntax("elif test -e \"$p\"; then echo file && base64 -w 0 -- \"$p\";"),
            .syntax("else d=$p; r=missing; while case $d in */?*) true;; *) false;; esac; do d=${d%/*};"),
            .syntax("if test -e \"$d\"; then if ! test -d \"$d\"; then r=notdir; elif ! test -x \"$d\"; then r=unreadable; fi;"),
            .syntax("break; fi; done; echo $r; fi"),
        ], compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let lines = (probe?.stdoutText ?? "").split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        let finding = lines.first.flatMap { Finding(rawValue: String($0)) }
        switch finding {
        case .file where probe?.exitStatus == 0:
            let encoded = lines.count > 1 ? String(lines[1]).trimmed : ""
            var values: OrderedDictionary<String, Value> = ["content": .string(encoded), "source": .string(source),
                                                            "encoding": .string("base64")]
            if !armor {
                // As Ansible's: the bytes as text once they pass through JSON (UTF-8).
                values["content"] = .string(String(decoding: Data(base64Encoded: encoded) ?? Data(), as: UTF8.self))
                values["encoding"] = .string("utf-8")
            }
            return .unchanged(ModuleResult(values: values))
        case .missing: return ModulePlan(result: .failure("File not found: \(source)"))
        case .unreadable: return ModulePlan(result: .failure("File is not readable: \(source)"))
        case .directory: return ModulePlan(result: .failure("Source is a directory and must be a file: \(source)"))
        default:
            let reason = probe?.stderrText.trimmed ?? ""
            return ModulePlan(result: .failure("Unable to slurp file: \(source)" + (reason.isEmpty ? "" : " (\(reason))")))
        }
    }
}
