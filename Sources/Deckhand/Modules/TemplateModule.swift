import Foundation
import Jinja
import SSH

/// template: renders `src` (from the role's templates/) with the host's variables and writes it like copy.
///
///     - template: { src: vhost.conf.j2, dest: "/etc/nginx/sites-enabled/{{ domain }}.conf", mode: "0644" }
public struct TemplateModule: Module {
    public static let spec = ModuleSpec(
        name: "template",
        arguments: [
            ArgumentSpec("src", type: .path, required: true, doc: "The Jinja template, from the role's templates/ (or beside the playbook)."),
            ArgumentSpec("dest", type: .path, required: true, aliases: ["path"], doc: "The file to write."),
            ArgumentSpec("mode", type: .mode, doc: "Permissions: octal (\"0644\") or symbolic (u=rw,g=r,o=r)."),
            ArgumentSpec("owner", doc: "User that should own it (name or uid)."),
            ArgumentSpec("group", doc: "Group that should own it (name or gid)."),
            ArgumentSpec("backup", type: .bool, default: .bool(false), doc: "Keep the old file beside it, with a timestamp."),
            ArgumentSpec("force", type: .bool, default: .bool(true), doc: "Replace a file whose contents differ; no: only create."),
            ArgumentSpec("validate", doc: "A command run on the new file (%s) before it replaces the old one, e.g. `nginx -t -c %s`."),
        ],
        doc: "Renders a Jinja template with the host's variables and writes the result atomically when it differs.",
        example: "- template:\n    src: nginx-vhost.conf.j2\n    dest: /etc/nginx/sites-enabled/app.conf\n  notify: reload nginx")

    var source: String
    var destination: String
    var mode: FileMode?
    var owner: String?
    var group: String?
    var backup: Bool
    var force: Bool
    var validate: [String]?

    public init(_ arguments: ModuleArguments) throws {
        source = try arguments.requiredString("src")
        destination = try arguments.requiredString("dest", "path")
        if destination.hasSuffix("/") {
            var name = (source as NSString).lastPathComponent
            if name.hasSuffix(".j2") { name.removeLast(3) }
            destination += name
        }
        mode = try arguments.mode()
        owner = try arguments.string("owner")
        group = try arguments.string("group")
        backup = try arguments.bool("backup", default: false)
        force = try arguments.bool("force", default: true)
        if let text = try arguments.string("validate") {
            let words = try ShellWords.split(text)
            guard words.contains(where: { $0.contains("%s") }) else {
                throw ModuleArgumentError("validate must contain %s (where the new file goes), got: \(text)")
            }
            validate = words
        }
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        FileState.probe(destination, checksum: true, content: context.diffMode)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let text = try context.renderTemplate(source)
        let current = try FileState(probeOutput: probe?.stdout ?? Data())
        let content = FileContent(path: destination, data: Data(text.utf8), mode: mode, owner: owner, group: group,
                                  backup: backup, force: force, validate: validate)
        return try content.plan(current: current, diffMode: context.diffMode)
    }
}
