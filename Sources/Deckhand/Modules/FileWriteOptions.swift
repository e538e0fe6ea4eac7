import Foundation

/// The arguments of modules that write a whole file (copy, template): attributes, backup, force and validate.
struct FileWriteOptions {
    var mode: FileMode?
    /// `mode: preserve`: the mode of the controller file the content comes from.
    var preservesMode = false
    var owner: String?
    var group: String?
    var backup: Bool
    var force: Bool
    var validate: [String]?
    /// A dest that is a link: write where it leads (true), or replace the link with the file (false, the default).
    var follow: Bool

    static let arguments: [ArgumentSpec] = [
        ArgumentSpec("mode", type: .mode, doc: "Permissions: octal (\"0644\") or symbolic (u=rw,g=r,o=r), or preserve (the source file's)."),
        ArgumentSpec("owner", doc: "User that should own it (name or uid)."),
        ArgumentSpec("group", doc: "Group that should own it (name or gid)."),
        ArgumentSpec("backup", type: .bool, default: .bool(false), doc: "Keep the old file beside it, with a timestamp."),
        ArgumentSpec("force", type: .bool, default: .bool(true), doc: "Replace a file whose contents differ; no: only create."),
        validateArgument,
        ArgumentSpec("follow", type: .bool, default: .bool(false),
                     doc: "When dest is a link, write the file it leads to instead of replacing the link with a file."),
    ]

    init(_ arguments: ModuleArguments) throws {
        if case .string("preserve")? = arguments.value("mode") {
            preservesMode = true
        } else {
            mode = try arguments.mode()
        }
        owner = try arguments.string("owner")
        group = try arguments.string("group")
        backup = try arguments.bool("backup")
        force = try arguments.bool("force")
        follow = try arguments.bool("follow")
        validate = try FileWriteOptions.validation(arguments)
    }

    /// Ansible's `validate` for every module that writes or edits a file.
    static let validateArgument = ArgumentSpec(
        "validate", doc: "A command run on the new file (%s) before it replaces the old one, e.g. `nginx -t -c %s`.")

    /// The words of `validate`, which must name the new file (%s); nil when not given.
    static func validation(_ arguments: ModuleArguments) throws -> [String]? {
        guard let text = try arguments.string("validate") else { return nil }
        let words = try ShellWords.split(text)
        guard words.contains(where: { $0.contains("%s") }) else {
            throw ModuleArgumentError("validate must contain %s (where the new file goes), got: \(text)")
        }
        return words
    }
}

extension FileContent {
    /// `data` written to `path` with the attributes and checks of `options`.
    init(path: String, data: Data, options: FileWriteOptions) {
        self.init(path: path, data: data, mode: options.mode, owner: options.owner, group: options.group,
                  backup: options.backup, force: options.force, validate: options.validate)
    }

    /// The same, `mode: preserve` taking the mode of the controller file `source` names.
    init(path: String, data: Data, options: FileWriteOptions, source: String?, context: ModuleContext) throws {
        self.init(path: path, data: data, options: options)
        if options.preservesMode {
            guard let source else { throw ModuleArgumentError("mode: preserve needs src (a controller file whose mode to keep)") }
            mode = .octal(try context.sourceFileMode(source))
        }
    }
}
