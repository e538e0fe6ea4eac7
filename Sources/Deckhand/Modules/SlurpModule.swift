import Foundation
import Jinja

/// slurp: reads a file from the host into `content` (base64), as Ansible's slurp does.
///
///     - slurp: { src: /webapps/app/.env }
///       register: env
///     - debug: { msg: "{{ env.content | b64decode }}" }
public struct SlurpModule: Module {
    public static let spec = ModuleSpec(
        name: "slurp",
        arguments: [ArgumentSpec("src", type: .path, required: true, aliases: ["path"], doc: "The file to read.")],
        doc: "Reads a file on the host and returns it base64-encoded in `content`.",
        example: "- slurp:\n    src: /etc/hostname\n  register: hostname_file")

    var source: String

    public init(_ arguments: ModuleArguments) throws {
        source = try arguments.requiredString("src")
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand("base64", "-w", "0", "--", source)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        guard let probe, probe.exitStatus == 0 else {
            let reason = probe?.stderrText.trimmed ?? ""
            return ModulePlan(result: .failure("could not read \(source): \(reason.isEmpty ? "file not found" : reason)"))
        }
        return .unchanged(ModuleResult(values: ["content": .string(probe.stdoutText.trimmed),
                                                "encoding": .string("base64"), "source": .string(source)]))
    }
}
