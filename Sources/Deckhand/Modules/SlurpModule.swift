import Foundation
import Jinja
import SSH

/// slurp: reads a file on the host into the result, base64-encoded (`| b64decode` gets the text back).
///
///     - slurp: { src: /etc/hostname }
///       register: hostname_file
public struct SlurpModule: Module {
    public static let spec = ModuleSpec(
        name: "slurp",
        arguments: [
            ArgumentSpec("src", type: .path, required: true, aliases: ["path"], doc: "The file to read."),
        ],
        doc: "Reads a file on the host and returns its bytes base64-encoded in `content` (with `encoding: base64` "
            + "and `source`). Never changes anything.",
        example: "- slurp:\n    src: /etc/hostname\n  register: hostname_file\n- debug:\n    msg: \"{{ hostname_file.content | b64decode }}\"")

    var source: String

    public init(_ arguments: ModuleArguments) throws {
        source = try arguments.requiredString("src", "path")
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand(parts: [.assignment("p", source), .syntax(";"),
                             .syntax("if test -d \"$p\"; then echo 'is a directory' >&2; exit 21; fi; cat -- \"$p\"")],
                     compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        guard let probe else { return .unchanged() }
        if probe.exitStatus != 0 {
            let reason = probe.stderrText.contains("No such file") ? "file not found: \(source)"
                : probe.exitStatus == 21 ? "source is a directory and must be a file: \(source)"
                : "unable to read \(source): \(probe.stderrText.trimmed)"
            return ModulePlan(result: .failure(reason))
        }
        var result = ModuleResult()
        result["content"] = .string(probe.stdout.base64EncodedString())
        result["encoding"] = .string("base64")
        result["source"] = .string(source)
        return .unchanged(result)
    }
}
