import Foundation
import Jinja

/// copy: makes a file on the host hold the given `content` or the bytes of `src` (from the role's files/).
///
///     - copy: { src: nginx.conf, dest: /etc/nginx/nginx.conf, mode: "0644", owner: root, backup: yes }
///     - copy: { content: "{{ settings | to_json }}", dest: /webapps/app/settings.json }
public struct CopyModule: Module {
    public static let spec = ModuleSpec(
        name: "copy",
        arguments: [
            ArgumentSpec("dest", type: .path, required: true, aliases: ["path"],
                         doc: "The file to write; a path ending in / gets src's name; the folder for a folder src."),
            ArgumentSpec("src", type: .controllerPath, doc: "A file or folder from the role's files/ (or beside the playbook) to copy; "
                         + "`dir/` copies the folder's contents into dest, `dir` the folder itself."),
            ArgumentSpec("content", type: .raw, doc: "The text to write (dicts and lists are written as JSON)."),
            ArgumentSpec("remote_src", type: .bool, default: .bool(false),
                         doc: "src is a file on the host (not the controller), copied there atomically; its mode is kept "
                            + "unless mode is given, and the copy is owned by the user running it unless owner/group are."),
            ArgumentSpec("local_follow", type: .bool, default: .bool(true),
                         doc: "With remote_src and a folder: copy what links in it lead to (yes), or the links themselves (no)."),
            ArgumentSpec("directory_mode", type: .mode,
                         doc: "With remote_src and a dest ending in /: the permissions of the folder made for it."),
        ] + FileWriteOptions.arguments,
        requiredOneOf: [["src", "content"]],
        mutuallyExclusive: [["src", "content"]],
        doc: "Writes a file on the host atomically from inline content or a controller file (or every file of a "
            + "controller folder); only what differs is written.",
        example: "- copy:\n    src: gunicorn.conf.py\n    dest: /webapps/app/gunicorn.conf.py\n    mode: \"0644\"")

    var source: Source
    var destination: String
    /// dest as written (a folder src goes below it).
    var writtenDestination: String
    var options: FileWriteOptions
    private let folderMarker = "--- deckhand copy \(UUID().uuidString) ---"

    enum Source { case content(Data), file(String) }

    /// The copy of a file already on the host (remote_src).
    var remote: RemoteFileCopy?

    public init(_ arguments: ModuleArguments) throws {
        destination = try arguments.requiredString("dest")
        writtenDestination = destination
        if let value = arguments.value("content") {
            // Ansible writes structured content as JSON.
            if case .string(let text) = value { source = .content(Data(text.utf8)) }
            else { source = .content(Data(value.jsonText.utf8)) }
            if arguments.has("src") { throw ModuleArgumentError("src and content are mutually exclusive") }
        } else if let src = try arguments.string("src") {
            source = .file(src)
            if destination.hasSuffix("/") && !src.hasSuffix("/") { destination += (src as NSString).lastPathComponent }
        } else {
            throw ModuleArgumentError("one of src or content is required")
        }
        options = try FileWriteOptions(arguments)
        if try !arguments.bool("local_follow") && !arguments.bool("remote_src") {
            throw ModuleArgumentError("local_follow: no is supported with remote_src only: deckhand copies what the "
                                      + "controller's links lead to; leave local_follow out")
        }
        if try arguments.bool("remote_src") {
            guard case .file(let src) = source else { throw ModuleArgumentError("remote_src needs src (a file on the host)") }
            remote = RemoteFileCopy(source: src, destination: writtenDestination, options: options,
                                    directoryMode: try arguments.mode("directory_mode"), followsLinks: try arguments.bool("local_follow"))
        }
    }

    /// The copy of a folder, when src names one on the controller.
    private func folderCopy(_ context: ModuleContext) throws -> DirectoryCopy? {
        guard case .file(let name) = source, let files = try context.listSourceDirectory(name) else { return nil }
        return DirectoryCopy(source: name, destination: writtenDestination, files: files, marker: folderMarker)
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        if let remote { return remote.probe() }
        if let folder = try folderCopy(context) { return folder.probe(content: context.diffMode) }
        // As Ansible's copy: a file copied onto a folder goes into it, under its own name.
        var inside: String?
        if case .file(let name) = source { inside = (name as NSString).lastPathComponent }
        return FileState.probe(destination, checksum: true, content: context.diffMode, inside: inside, following: options.follow)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        if let remote { return try remote.plan(probe?.stdout ?? Data(), checkMode: context.checkMode) }
        if case .file(let name) = source, let folder = try folderCopy(context) {
            let states = try probe.map { try folder.states(from: $0.stdout) }
                ?? folder.files.map { _ in try FileState(probeOutput: Data()) }
            let base = name.hasSuffix("/") ? name : name + "/"
            return try folder.plan(states: states, read: { try context.readSourceFile(base + $0) }, options: options,
                                   diffMode: context.diffMode, destination: writtenDestination)
        }
        let data: Data
        var sourceName: String?
        switch source {
        case .content(let bytes): data = bytes
        case .file(let name): data = try context.readSourceFile(name); sourceName = name
        }
        let current = try FileState(probeOutput: probe?.stdout ?? Data())
        let path = probe.flatMap { FileState.redirected($0.stdout) } ?? destination
        let content = try FileContent(path: path, data: data, options: options, source: sourceName, context: context)
        return try content.planReportingFile(current: current, diffMode: context.diffMode, source: sourceName)
    }
}
