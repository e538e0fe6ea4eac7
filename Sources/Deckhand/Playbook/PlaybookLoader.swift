import Foundation
import Jinja
import OrderedCollections
import Yams

/// Reads playbooks, task files and roles into the typed model and validates them before anything runs.
/// Every mistake of every file is collected and thrown together as `ValidationErrors`.
public struct PlaybookLoader: Sendable {
    /// Folders searched for roles after `<playbook_dir>/roles` (Ansible's roles_path).
    public var rolesPath: [String]
    /// The modules tasks may use.
    public var modules: [ModuleSpec]

    public init(rolesPath: [String] = [], modules: [ModuleSpec] = ModuleRegistry.specs) {
        self.rolesPath = rolesPath
        self.modules = modules
    }

    /// Loads the playbook at `path` with its imported playbooks, roles and imported task files.
    public func loadPlaybook(at path: String) throws -> Playbook {
        let absolute = PlaybookLoader.absolute(path)
        let directory = (absolute as NSString).deletingLastPathComponent
        let session = LoadSession(loader: self, playbookDirectory: directory)
        let plays = session.playbook(at: absolute, location: .synthetic(path))
        if plays.isEmpty && session.errors.errors.isEmpty {
            session.errors.add(ValidationError("the playbook has no plays (nothing to do); a play starts with '- hosts:'",
                                               at: .synthetic(absolute)))
        }
        try session.finish()
        return Playbook(path: absolute, directory: directory, plays: plays, warnings: session.warnings)
    }

    /// Loads a task file on its own (`--list-tasks` of a task file, tests).
    public func loadTasks(at path: String, playbookDirectory: String? = nil) throws -> [TaskItem] {
        let absolute = PlaybookLoader.absolute(path)
        let session = LoadSession(loader: self,
                                  playbookDirectory: playbookDirectory ?? (absolute as NSString).deletingLastPathComponent)
        let items = session.taskFile(at: absolute, role: nil, handlers: false, location: .synthetic(path))
        try session.finish()
        return items
    }

    /// `include_tasks` at run time: `file` is the rendered file name; resolved against the including file's
    /// folder, then the role's tasks/, then the playbook's folder.
    public func loadIncludedTasks(_ include: IncludeTasks, file: String, role: RoleContext?,
                                  playbookDirectory: String, location: SourceLocation) throws -> [TaskItem] {
        let session = LoadSession(loader: self, playbookDirectory: playbookDirectory)
        let candidates = PlaybookLoader.includeFolders(include, role: role, playbookDirectory: playbookDirectory)
        guard let path = session.findFile(file, in: candidates) else {
            throw ValidationErrors([ValidationError(
                "include_tasks: cannot find '\(file)' (looked in \(candidates.joined(separator: ", ")))",
                at: location, offendingText: file)])
        }
        session.dynamicIncludes = [DynamicInclude(location: location, keyword: "include_tasks", conditions: [])]
        let items = session.taskFile(at: path, role: role, handlers: false, location: location)
        try session.finish()
        return items.map { $0.applying(include.apply) }
    }

    /// The file an include_tasks of `file` reads (what ansible-playbook's "included:" line names), or nil.
    public func includedFile(_ include: IncludeTasks, file: String, role: RoleContext?, playbookDirectory: String) -> String? {
        LoadSession(loader: self, playbookDirectory: playbookDirectory)
            .findFile(file, in: PlaybookLoader.includeFolders(include, role: role, playbookDirectory: playbookDirectory))
    }

    private static func includeFolders(_ include: IncludeTasks, role: RoleContext?, playbookDirectory: String) -> [String] {
        var folders = [include.baseDirectory]
        if let role { folders.append((role.path as NSString).appendingPathComponent("tasks")) }
        folders.append(playbookDirectory)
        return folders
    }

    /// `include_role` at run time: `name` is the rendered role name.
    public func loadIncludedRole(_ include: IncludeRole, name: String, params: OrderedDictionary<String, Value>,
                                 playbookDirectory: String, location: SourceLocation) throws -> RoleReference {
        let session = LoadSession(loader: self, playbookDirectory: playbookDirectory)
        session.dynamicIncludes = [DynamicInclude(location: location, keyword: "include_role", conditions: [])]
        let role = session.role(named: name, searchBase: include.searchBase, tasksFrom: include.tasksFrom,
                                handlersFrom: include.handlersFrom, defaultsFrom: include.defaultsFrom,
                                varsFrom: include.varsFrom, location: location)
        try session.finish()
        guard var role else {
            throw ValidationErrors([ValidationError("role '\(name)' could not be loaded", at: location)])
        }
        if !include.validatesArguments { role.argumentSpec = nil }
        return RoleReference(name: name, params: params, keywords: include.apply, role: role, location: location)
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return (path as NSString).standardizingPath }
        let cwd = FileManager.default.currentDirectoryPath
        return ((cwd as NSString).appendingPathComponent(path) as NSString).standardizingPath
    }
}

extension TaskItem {
    /// This item with `keywords` (an include's `apply:`) as its outermost keywords.
    func applying(_ keywords: TaskKeywords) -> TaskItem {
        guard keywords != TaskKeywords() else { return self }
        switch self {
        case .task(var task):
            task.keywords = task.keywords.inheriting(from: keywords)
            return .task(task)
        case .block(var block):
            block.keywords = block.keywords.inheriting(from: keywords)
            return .block(block)
        }
    }
}

/// One load: the files read so far, the errors found, and the stack that detects import cycles.
final class LoadSession {
    let loader: PlaybookLoader
    let playbookDirectory: String
    let errors = ErrorCollector()
    var fileStack: [String] = []
    var roleCache: [String: Role] = [:]
    var roleStack: [(path: String, tasksFrom: String)] = []
    /// include_tasks files already checked during this load.
    var prevalidated: Set<String> = []
    /// The include_tasks and include_role being read through, innermost last (see `UnavailableTask`).
    var dynamicIncludes: [DynamicInclude] = []
    /// What deckhand cannot run inside dynamic includes: reported, not refused.
    var warnings: [ValidationError] = []
    /// The play and blocks around the task being read, outermost first (see `ArgumentScope`).
    var argumentScopes: [ArgumentScope] = []
    /// Compiles templates for syntax checks only (nothing is rendered while loading, but import_tasks' file).
    lazy var templateEnvironment = Environment(options: .ansible)
    /// The `vars:` of the play being read: known before it runs (see `LoadTimeVariables`).
    var playVars: OrderedDictionary<String, Value> = [:]

    init(loader: PlaybookLoader, playbookDirectory: String) {
        self.loader = loader
        self.playbookDirectory = playbookDirectory
    }

    func finish() throws {
        if !errors.errors.isEmpty { throw ValidationErrors(errors.errors) }
    }

    func spec(named name: String) -> ModuleSpec? {
        ModuleRegistry.spec(named: name, in: loader.modules)
    }

    var moduleNames: [String] { loader.modules.map(\.name) }

    /// Composes a file, recording a syntax error (and returning nil) when it cannot be read.
    func document(at path: String, location: SourceLocation) -> YAMLDocument? {
        if fileStack.contains(path) {
            errors.add(ValidationError("'\(path)' imports itself (import cycle: \((fileStack + [path]).joined(separator: " -> ")))",
                                       at: location))
            return nil
        }
        guard FileManager.default.fileExists(atPath: path) else {
            errors.add(ValidationError("cannot find '\(path)'", at: location, offendingText: path))
            return nil
        }
        do {
            return try YAMLDocument.load(path: path)
        } catch {
            errors.add(error, at: location)
            return nil
        }
    }

    /// The first of `name` resolved against `folders` that exists (with .yml/.yaml tried when it has no
    /// extension).
    func findFile(_ name: String, in folders: [String]) -> String? {
        let names = (name as NSString).pathExtension.isEmpty ? [name, name + ".yml", name + ".yaml"] : [name]
        if name.hasPrefix("/") {
            return names.first { FileManager.default.fileExists(atPath: $0) }
        }
        for folder in folders {
            for candidate in names {
                let path = ((folder as NSString).appendingPathComponent(candidate) as NSString).standardizingPath
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    return path
                }
            }
        }
        return nil
    }

    // MARK: Playbooks

    func playbook(at path: String, location: SourceLocation) -> [Play] {
        guard let document = document(at: path, location: location) else { return [] }
        fileStack.append(path)
        defer { fileStack.removeLast() }
        let reader = NodeReader(document: document, errors: errors)
        guard let root = document.root, reader.value(root) != .none else { return [] }
        guard case .sequence(let entries) = root else {
            reader.fail("a playbook must be a list of plays (each starting with '- hosts:')", at: root)
            return []
        }
        let directory = (path as NSString).deletingLastPathComponent
        var plays: [Play] = []
        for entry in entries {
            guard case .mapping = entry else {
                reader.fail("each play must be a mapping with 'hosts:' and tasks", at: entry)
                continue
            }
            if let importNode = reader.entries(entry).first(where: { ModuleRegistry.canonicalName($0.key) == "import_playbook" }) {
                for other in reader.entries(entry) where other.key != importNode.key
                    && !["name", "vars", "tags", "when"].contains(other.key) {
                    reader.fail("'\(other.key)' cannot be used with import_playbook", at: other.keyNode)
                }
                guard let file = reader.string(importNode.value, "import_playbook") else { continue }
                guard let found = findFile(file, in: [directory]) else {
                    reader.fail("import_playbook: cannot find '\(file)' beside \(path)", at: importNode.value)
                    continue
                }
                // vars, tags and when on the import apply to every imported play (vars as play vars).
                var outer = TaskKeywords()
                var vars = OrderedDictionary<String, Value>()
                for other in reader.entries(entry) {
                    switch other.key {
                    case "vars": vars = reader.dict(other.value, "vars") ?? [:]
                    case "tags": outer.tags = reader.tags(other.value)
                    case "when": outer.when = reader.conditions(other.value, "when")
                    default: continue
                    }
                }
                for var imported in playbook(at: found, location: reader.location(importNode.value)) {
                    imported.keywords = imported.keywords.inheriting(from: outer)
                    for (key, value) in vars { imported.vars[key] = value }
                    plays.append(imported)
                }
                continue
            }
            if let play = play(entry, reader: reader, directory: directory) { plays.append(play) }
        }
        return plays
    }
}
