import Foundation
import Jinja
import OrderedCollections

/// include_vars: loads variables from a YAML (or JSON) file, or every such file of a folder, on the controller
/// into the host's variables.
///
///     - include_vars: { file: "vars/{{ env }}.yml" }
///     - include_vars: { dir: environments, files_matching: "^prod", depth: 1 }
public struct IncludeVarsModule: Module {
    public static let spec = ModuleSpec(
        name: "include_vars",
        runsOnController: true, setsHostVariables: true, hostVariablesAreTemplates: true,
        sourceFolder: "vars",
        arguments: [
            ArgumentSpec("file", type: .path, doc: "The file (looked up in the role's vars/, tasks/ and folder, then the playbook's vars/ and folder) (free form)."),
            ArgumentSpec("dir", type: .path, doc: "A folder whose files are all read, in path order (a role's vars/<dir>, else beside the playbook)."),
            ArgumentSpec("depth", type: .int, default: .int(0), doc: "With dir: how many folder levels to read (1: dir itself only; 0: all)."),
            ArgumentSpec("files_matching", doc: "With dir: only files whose name this regexp finds."),
            ArgumentSpec("ignore_files", type: .list, doc: "With dir: names to skip (each a regexp matched at the end of the name)."),
            ArgumentSpec("extensions", type: .list, default: .list(["yaml", "yml", "json"].map(Value.string)),
                         doc: "With dir: the extensions files may have ('' for none)."),
            ArgumentSpec("ignore_unknown_extensions", type: .bool, default: .bool(false),
                         doc: "With dir: skip files of other extensions instead of failing."),
            ArgumentSpec("name", doc: "Put all the variables read under this one variable."),
            ArgumentSpec("hash_behaviour", choices: ["replace", "merge"],
                         doc: "merge: a mapping read is merged into the variable's current value instead of replacing it."),
        ],
        freeFormArgument: "file",
        requiredOneOf: [["file", "dir"]],
        mutuallyExclusive: [["file", "dir"]],
        // Ansible's include_vars is an action plugin that checks its arguments itself, raising errors.
        argumentProblemWording: { problem in
            switch problem {
            case .unsupported(let names): return "Task failed: \(names[0]) is not a valid option in include_vars"
            case .mutuallyExclusive:
                return "Task failed: You are mixing file only and dir only arguments, these are incompatible"
            default: return nil
            }
        },
        doc: "Reads YAML or JSON mappings on the controller (one file, or a folder's files) and sets their keys as host "
            + "variables for the rest of the run, like set_fact (or under `name`). Reported as ansible_facts; never touches the host.",
        example: "- include_vars:\n    file: vars/production.yml\n    name: settings")

    var file: String?
    var directory: String?
    var depth: Int
    var filesMatching: NSRegularExpression?
    var ignoreFiles: [NSRegularExpression]
    var extensions: [String]
    var ignoreUnknownExtensions: Bool
    var name: String?
    var merge: Bool

    public init(_ arguments: ModuleArguments) throws {
        file = try arguments.string("file").map { $0.trimmingTrailingNewline }
        directory = try arguments.string("dir")
        depth = try arguments.requiredInt("depth")
        func regex(_ pattern: String, _ argument: String) throws -> NSRegularExpression {
            do { return try NSRegularExpression(pattern: pattern) } catch {
                throw ModuleArgumentError("\(argument): Invalid regular expression: \(pattern)")
            }
        }
        for option in ["ignore_files", "extensions"] {
            switch arguments.value(option) {
            case .int?, .double?, .bool?, .dict?:
                throw ModuleArgumentError("Task failed: The '\(option)' option must be a list.")
            default: continue
            }
        }
        filesMatching = try arguments.string("files_matching").map { try regex($0, "files_matching") }
        ignoreFiles = try (arguments.list("ignore_files") ?? []).map { try regex("(?:\($0))$", "ignore_files") }
        extensions = try arguments.requiredList("extensions")
        ignoreUnknownExtensions = try arguments.bool("ignore_unknown_extensions")
        name = try arguments.string("name")
        merge = try arguments.string("hash_behaviour") == "merge"
        if let name, !SetFactModule.isIdentifier(name) {
            throw ModuleArgumentError("name \(name) is not a valid variable name")
        }
    }

    /// A failed result: Ansible's include_vars says why under `message` (and deckhand's output under msg).
    static func failure(_ text: String) -> ModulePlan {
        ModulePlan(result: .failure(text, values: ["message": .string(text)]))
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var variables = OrderedDictionary<String, Value>()
        var included: [String] = []
        if let directory {
            let root = IncludeVarsModule.root(of: directory, rolePath: context.rolePath, playbookDirectory: context.playbookDirectory)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isFolder) else {
                return IncludeVarsModule.failure("\(root) directory does not exist")
            }
            guard isFolder.boolValue else { return IncludeVarsModule.failure("\(root) is not a directory") }
            for path in files(under: root) {
                let fileName = (path as NSString).lastPathComponent
                let ext = (fileName as NSString).pathExtension
                guard extensions.contains(ext) else {
                    if ignoreUnknownExtensions { continue }
                    return IncludeVarsModule.failure("\(path) does not have a valid extension: " + extensions.joined(separator: ", "))
                }
                switch try read(FileManager.default.contents(atPath: path) ?? Data(), path: path) {
                case .success(let read): variables.merge(read) { _, new in new }
                case .failure(let error): return IncludeVarsModule.failure(error.message)
                }
                included.append(path)
            }
        } else {
            let file = self.file ?? ""
            let data: Data
            do { data = try context.readSourceFile(file) } catch {
                return IncludeVarsModule.failure("Could not find file '\(file)': \(error)")
            }
            switch try read(data, path: file) {
            case .success(let read): variables = read
            case .failure(let error): return IncludeVarsModule.failure(error.message)
            }
            // As Ansible's: the path the file was found at.
            let found = Lookups.SearchPath(rolePath: context.rolePath, playbookDirectory: context.playbookDirectory)
                .candidates(file, in: "vars").first { FileManager.default.fileExists(atPath: $0) }
            included.append(found ?? file)
        }
        if merge {
            for (key, value) in variables {
                guard let old = try? context.evaluate(key) else { continue }
                variables[key] = IncludeVarsModule.merged(old, value)
            }
        }
        var result = ModuleResult()
        result.facts = name.map { [$0: .dict(variables)] } ?? variables
        result["ansible_included_var_files"] = .list(included.map(Value.string))
        return .unchanged(result)
    }

    /// The files of the folder `root` to read, as Ansible walks it: folders in path order (links followed),
    /// files sorted in each, at most `depth` levels down, filtered by files_matching and ignore_files.
    func files(under root: String) -> [String] {
        var folders: [(path: String, level: Int)] = []
        var pending = [(path: root, level: 1)]
        while let folder = pending.popLast() {
            folders.append(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names {
                var isFolder: ObjCBool = false
                let path = folder.path + "/" + name
                if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
                    pending.append((path, folder.level + 1))
                }
            }
        }
        var paths: [String] = []
        for folder in folders.sorted(by: { $0.path < $1.path }) where depth == 0 || folder.level <= depth {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
            for name in names {
                var isFolder: ObjCBool = false
                let path = folder.path + "/" + name
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
                let range = NSRange(name.startIndex..., in: name)
                if let filesMatching, filesMatching.firstMatch(in: name, range: range) == nil { continue }
                if ignoreFiles.contains(where: { $0.firstMatch(in: name, range: range) != nil }) { continue }
                paths.append(path)
            }
        }
        return paths
    }

    /// Where `dir` is: in a role, its vars/ folder (or the role itself for `vars/...`); else beside the playbook.
    static func root(of directory: String, rolePath: String?, playbookDirectory: String?) -> String {
        if directory.hasPrefix("/") { return directory }
        if let rolePath {
            let underRole = rolePath + "/" + directory
            if directory.split(separator: "/").first == "vars", FileManager.default.fileExists(atPath: underRole) { return underRole }
            return rolePath + "/vars/" + directory
        }
        return (playbookDirectory ?? FileManager.default.currentDirectoryPath) + "/" + directory
    }

    /// The variables a file holds, or why it holds none.
    func read(_ data: Data, path: String) throws -> Result<OrderedDictionary<String, Value>, ModuleArgumentError> {
        let plain = try VaultedFile.plaintext(of: data, path: path, vault: .installed)
        guard let text = String(data: plain, encoding: .utf8) else { return .failure(ModuleArgumentError("\(path) is not UTF-8 text")) }
        let document = try YAMLDocument.parse(text, path: path)
        let value = document.root.map(YAMLDocument.value(of:)) ?? .dict([:])
        guard case .dict(let variables) = value else {
            return .failure(ModuleArgumentError("\(path) must be stored as a dictionary/hash"))
        }
        for key in variables.keys where !SetFactModule.isIdentifier(key) {
            return .failure(ModuleArgumentError("\(path): \(key) is not a valid variable name"))
        }
        return .success(variables)
    }

    /// Ansible's merge of mappings: keys of `new` win, mappings on both sides are merged in turn.
    static func merged(_ old: Value, _ new: Value) -> Value {
        guard case .dict(var result) = old, case .dict(let added) = new else { return new }
        for (key, value) in added { result[key] = result[key].map { merged($0, value) } ?? value }
        return .dict(result)
    }
}
