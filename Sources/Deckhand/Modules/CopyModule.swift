import Foundation
import Jinja
import SSH

/// copy: makes a file on the host hold the given `content` or the bytes of `src` (from the role's files/).
///
///     - copy: { src: nginx.conf, dest: /etc/nginx/nginx.conf, mode: "0644", owner: root, backup: yes }
///     - copy: { content: "{{ settings | to_json }}", dest: /webapps/app/settings.json }
public struct CopyModule: Module {
    public static let spec = ModuleSpec(
        name: "copy",
        arguments: [
            ArgumentSpec("dest", type: .path, required: true, aliases: ["path"], doc: "The file to write; a path ending in / gets src's name."),
            ArgumentSpec("src", type: .path, doc: "A file from the role's files/ (or beside the playbook) to copy."),
            ArgumentSpec("content", type: .raw, doc: "The text to write (dicts and lists are written as JSON)."),
        ] + FileWriteOptions.arguments,
        requiredOneOf: [["src", "content"]],
        mutuallyExclusive: [["src", "content"]],
        doc: "Writes a file on the host atomically from inline content or a controller file; only when it differs.",
        example: "- copy:\n    src: gunicorn.conf.py\n    dest: /webapps/app/gunicorn.conf.py\n    mode: \"0644\"")

    var source: Source
    var destination: String
    var options: FileWriteOptions

    enum Source { case content(Data), file(String) }

    public init(_ arguments: ModuleArguments) throws {
        destination = try arguments.requiredString("dest", "path")
        if arguments.has("content") {
            guard let (_, value) = arguments.raw(["content"]) else { throw ModuleArgumentError("content is empty") }
            // Ansible writes structured content as JSON.
            if case .string(let text) = value { source = .content(Data(text.utf8)) }
            else { source = .content(Data(value.jsonText.utf8)) }
            if arguments.has("src") { throw ModuleArgumentError("src and content are mutually exclusive") }
        } else if let src = try arguments.string("src") {
            guard !src.hasSuffix("/") else {
                throw ModuleArgumentError("src \(src) is a directory; directory copies are not supported yet")
            }
            source = .file(src)
            if destination.hasSuffix("/") { destination += (src as NSString).lastPathComponent }
        } else {
            throw ModuleArgumentError("one of src or content is required")
        }
        options = try FileWriteOptions(arguments)
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        FileState.probe(destination, checksum: true, content: context.diffMode)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let data: Data
        switch source {
        case .content(let bytes): data = bytes
        case .file(let name): data = try context.readSourceFile(name)
        }
        let current = try FileState(probeOutput: probe?.stdout ?? Data())
        let content = FileContent(path: destination, data: data, options: options)
        return try content.plan(current: current, diffMode: context.diffMode)
    }
}
