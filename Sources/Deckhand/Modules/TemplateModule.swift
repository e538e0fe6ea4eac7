import Foundation
import Jinja

/// template: renders `src` (from the role's templates/) with the host's variables and writes it like copy.
///
///     - template: { src: vhost.conf.j2, dest: "/etc/nginx/sites-enabled/{{ domain }}.conf", mode: "0644" }
public struct TemplateModule: Module {
    public static let spec = ModuleSpec(
        name: "template",
        sourceFolder: "templates",
        arguments: [
            ArgumentSpec("src", type: .controllerPath, required: true, doc: "The Jinja template, from the role's templates/ (or beside the playbook)."),
            ArgumentSpec("dest", type: .path, required: true, aliases: ["path"], doc: "The file to write."),
        ] + FileWriteOptions.arguments + TemplateSettings.arguments,
        doc: "Renders a Jinja template with the host's variables and writes the result atomically when it differs.",
        example: "- template:\n    src: nginx-vhost.conf.j2\n    dest: /etc/nginx/sites-enabled/app.conf\n  notify: reload nginx")

    var source: String
    var destination: String
    var options: FileWriteOptions
    var settings: TemplateSettings

    public init(_ arguments: ModuleArguments) throws {
        source = try arguments.requiredString("src")
        destination = try arguments.requiredString("dest")
        // A folder: the file keeps the template's own name, .j2 and all, as Ansible's copy names it.
        if destination.hasSuffix("/") { destination += (source as NSString).lastPathComponent }
        options = try FileWriteOptions(arguments)
        settings = try TemplateSettings(arguments)
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        // dest an existing folder: the file of the template's name in it, as copy does.
        FileState.probe(destination, checksum: true, content: context.diffMode,
                        inside: (source as NSString).lastPathComponent, following: options.follow)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let text = settings == TemplateSettings() ? try context.renderTemplate(source)
            : try context.renderTemplateWithSettings(source, settings)
        let current = try FileState(probeOutput: probe?.stdout ?? Data())
        let path = probe.flatMap { FileState.redirected($0.stdout) } ?? destination
        let content = FileContent(path: path, data: Data(text.utf8), options: options)
        return try content.planReportingFile(current: current, diffMode: context.diffMode, source: source)
    }
}
