import Foundation
import Jinja
import OrderedCollections
import Yams

extension LoadSession {
    /// The folders searched for a role called `name`: `<base>/roles`, the roles path, then `<base>` itself.
    func roleSearchFolders(searchBase: String) -> [String] {
        var folders = [(searchBase as NSString).appendingPathComponent("roles")]
        if searchBase != playbookDirectory { folders.append((playbookDirectory as NSString).appendingPathComponent("roles")) }
        folders += loader.rolesPath
        folders.append(searchBase)
        if searchBase != playbookDirectory { folders.append(playbookDirectory) }
        return folders
    }

    func findRole(_ name: String, searchBase: String) -> String? {
        if name.contains("/") || name.hasPrefix(".") {
            let path = name.hasPrefix("/") ? name
                : ((searchBase as NSString).appendingPathComponent(name) as NSString).standardizingPath
            return isDirectory(path) ? path : nil
        }
        for folder in roleSearchFolders(searchBase: searchBase) {
            let path = ((folder as NSString).appendingPathComponent(name) as NSString).standardizingPath
            // As Ansible, a role reached through a symbolic link lives where the link points: its `../` paths
            // (a shared task file beside the role) are resolved from there.
            if isDirectory(path) && hasRoleContent(path) { return (path as NSString).resolvingSymlinksInPath }
        }
        return nil
    }

    private func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private func hasRoleContent(_ path: String) -> Bool {
        ["tasks", "handlers", "defaults", "vars", "meta", "files", "templates"].contains {
            isDirectory((path as NSString).appendingPathComponent($0))
        }
    }

    /// Role names available for "did you mean".
    private func availableRoles(searchBase: String) -> [String] {
        roleSearchFolders(searchBase: searchBase).flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
                isDirectory((folder as NSString).appendingPathComponent($0))
            }
        }
    }

    /// Loads a role with its dependencies; records an error and returns nil when it cannot.
    func role(named name: String, searchBase: String, tasksFrom: String = "main", handlersFrom: String = "main",
              defaultsFrom: String = "main", varsFrom: String = "main", location: SourceLocation) -> Role? {
        guard let path = findRole(name, searchBase: searchBase) else {
            let folders = roleSearchFolders(searchBase: searchBase)
            errors.add(ValidationError("role '\(name)' not found (looked in \(folders.joined(separator: ", ")))",
                                       at: location, offendingText: name,
                                       suggestion: Suggestion.nearest(name, in: availableRoles(searchBase: searchBase))))
            return nil
        }
        // A role read inside a dynamic include may hold placeholders for what deckhand cannot run: kept apart.
        let cacheKey = [path, tasksFrom, handlersFrom, defaultsFrom, varsFrom, dynamicIncludes.isEmpty ? "" : "dynamic"]
            .joined(separator: "\u{0}")
        if let cached = roleCache[cacheKey] { return cached }
        // A role may import another of its own task files (Ansible allows it); the same entry again is a cycle.
        if roleStack.contains(where: { $0.path == path && $0.tasksFrom == tasksFrom }) {
            let chain = roleStack.map(\.path) + [path]
            errors.add(ValidationError("role '\(name)' depends on itself (\(chain.joined(separator: " -> ")))",
                                       at: location, offendingText: name))
            return nil
        }
        roleStack.append((path, tasksFrom))
        defer { roleStack.removeLast() }

        // The name it was found by (a roles path folder may be a link to it), as ansible-playbook shows it.
        let roleName = name.contains("/") || name.hasPrefix(".") ? (path as NSString).lastPathComponent : name
        var role = Role(name: roleName, path: path)
        role.defaults = roleVariables(folder: "defaults", entry: defaultsFrom, rolePath: path, location: location)
        role.vars = roleVariables(folder: "vars", entry: varsFrom, rolePath: path, location: location)
        let metaSpecs = readMeta(into: &role, location: location)
        role.argumentSpec = roleArgumentSpec(rolePath: path, entryPoint: tasksFrom, metaMainSpecs: metaSpecs,
                                             location: location)
        let context = RoleContext(name: roleName, path: path, defaults: role.defaults, vars: role.vars)
        let tasksFolder = (path as NSString).appendingPathComponent("tasks")
        if let file = findFile(tasksFrom, in: [tasksFolder]) {
            role.tasks = taskFile(at: file, role: context, handlers: false, location: location)
        } else if tasksFrom != "main" {
            errors.add(ValidationError("role '\(roleName)' has no tasks file '\(tasksFrom)' in \(tasksFolder)",
                                       at: location, offendingText: tasksFrom))
        }
        let handlersFolder = (path as NSString).appendingPathComponent("handlers")
        if let file = findFile(handlersFrom, in: [handlersFolder]),
           let document = document(at: file, location: location) {
            let items = taskFile(at: file, role: context, handlers: true, location: location)
            role.handlers = handlers(from: items, reader: NodeReader(document: document, errors: errors))
        }
        roleCache[cacheKey] = role
        return role
    }

    private func roleVariables(folder: String, entry: String, rolePath: String,
                               location: SourceLocation) -> OrderedDictionary<String, Value> {
        let directory = (rolePath as NSString).appendingPathComponent(folder)
        do {
            return try VariablesFile.readEntry(named: entry, in: directory) ?? [:]
        } catch {
            errors.add(error, at: location)
            return [:]
        }
    }

    /// Reads meta/main.yml's dependencies and allow_duplicates; returns its `argument_specs:` node, if any.
    private func readMeta(into role: inout Role, location: SourceLocation) -> (Node, NodeReader)? {
        let metaFolder = (role.path as NSString).appendingPathComponent("meta")
        guard let file = findFile("main", in: [metaFolder]),
              let document = document(at: file, location: location), let root = document.root else { return nil }
        let reader = NodeReader(document: document, errors: errors)
        var argumentSpecs: (Node, NodeReader)?
        for (key, _, value) in reader.entries(root) {
            switch key {
            case "dependencies":
                role.dependencies = roleReferences(value, reader: reader, searchBase: (role.path as NSString).deletingLastPathComponent)
            case "allow_duplicates":
                role.allowDuplicates = reader.bool(value, key) ?? false
            case "argument_specs":
                argumentSpecs = (value, reader)
            default:
                continue // galaxy_info, collections: not needed to run
            }
        }
        return argumentSpecs
    }

    /// `roles:` entries or meta dependencies: `- name`, `- role: name` with keywords and parameters.
    func roleReferences(_ node: Node, reader: NodeReader, searchBase: String) -> [RoleReference] {
        guard case .sequence(let entries) = node else {
            if reader.value(node) != .none { reader.fail("'roles' must be a list of role names or mappings", at: node) }
            return []
        }
        var references: [RoleReference] = []
        for entry in entries {
            var name: String?
            var params = OrderedDictionary<String, Value>()
            var arguments = OrderedDictionary<String, Value>()
            var keywords = TaskKeywords()
            switch entry {
            case .scalar:
                name = reader.string(entry, "role")
            case .mapping:
                for (key, _, value) in reader.entries(entry) {
                    switch key {
                    case "role", "name": name = reader.string(value, key)
                    case "vars": params.merge(reader.dict(value, key) ?? [:]) { $1 }
                    default:
                        if !readCommonKeyword(key, value, into: &keywords, reader: reader) {
                            params[key] = reader.value(value)
                            arguments[key] = params[key]
                        }
                    }
                }
            default:
                reader.fail("a role entry must be a name or a mapping with 'role:'", at: entry)
            }
            guard let name, !name.isEmpty else {
                reader.fail("this role entry has no 'role:' name", at: entry)
                continue
            }
            if let role = role(named: name, searchBase: searchBase, location: reader.location(entry)) {
                var reference = RoleReference(name: name, params: params, keywords: keywords, role: role,
                                              location: reader.location(entry))
                reference.arguments = arguments
                references.append(reference)
            }
        }
        return references
    }

    /// `import_role:` (read now, becomes a block) or `include_role:` (read at run time).
    func roleTask(_ action: (name: String, keyNode: Node, value: Node), task: PlaybookTask, reader: NodeReader,
                  isImport: Bool) -> TaskItem? {
        var task = task
        var include = IncludeRole(name: "", searchBase: playbookDirectory)
        if let role = task.role { include.searchBase = (role.path as NSString).deletingLastPathComponent }
        for (key, keyNode, value) in reader.entries(action.value) {
            switch key {
            case "name", "role": include.name = reader.string(value, key) ?? ""
            case "tasks_from": include.tasksFrom = reader.string(value, key) ?? "main"
            case "handlers_from": include.handlersFrom = reader.string(value, key) ?? "main"
            case "defaults_from": include.defaultsFrom = reader.string(value, key) ?? "main"
            case "vars_from": include.varsFrom = reader.string(value, key) ?? "main"
            case "apply":
                for (applyKey, applyKeyNode, applyValue) in reader.entries(value)
                where !readCommonKeyword(applyKey, applyValue, into: &include.apply, reader: reader) {
                    reader.fail("'\(applyKey)' cannot be used in 'apply'", at: applyKeyNode, text: applyKey)
                }
            case "rolespec_validate":
                include.validatesArguments = reader.bool(value, key) ?? true
            case "public", "allow_duplicates":
                continue
            default:
                reader.fail("unknown \(action.name) option '\(key)'", at: keyNode, text: key,
                            suggestion: Suggestion.nearest(key, in: Array(PlaybookKeywords.roleEntry)))
            }
        }
        if include.name.isEmpty {
            reader.fail("\(action.name) needs 'name:' (the role to run)", at: action.value, text: action.name)
            return nil
        }
        guard isImport else {
            task.action = .includeRole(include)
            if !TemplateRenderer.isTemplate(include.name) {
                // Checked now so a misspelt role fails before the run; loaded again at run time.
                insideDynamicInclude("include_role", task: task, at: reader.location(action.keyNode)) {
                    _ = role(named: include.name, searchBase: include.searchBase, tasksFrom: include.tasksFrom,
                             handlersFrom: include.handlersFrom, defaultsFrom: include.defaultsFrom,
                             varsFrom: include.varsFrom, location: reader.location(action.value))
                }
            }
            return .task(task)
        }
        if include.name.contains("{{") {
            reader.fail("import_role is read before the play runs and cannot use a template; use include_role",
                        at: action.value, text: include.name)
            return nil
        }
        if task.loop != nil {
            reader.fail("import_role cannot loop; use include_role with the loop", at: action.keyNode, text: action.name)
            return nil
        }
        guard var role = role(named: include.name, searchBase: include.searchBase, tasksFrom: include.tasksFrom,
                              handlersFrom: include.handlersFrom, defaultsFrom: include.defaultsFrom,
                              varsFrom: include.varsFrom, location: reader.location(action.value)) else { return nil }
        if !include.validatesArguments { role.argumentSpec = nil }
        let reference = RoleReference(name: include.name, params: [:], keywords: TaskKeywords(), role: role,
                                      location: task.location)
        var seen = Set<RoleRun>()
        let blocks = reference.expandedBlocks(alreadyRun: &seen)
        var block = Block(name: task.name, block: blocks.map { .block($0) }, keywords: task.keywords, role: nil,
                          origin: .role(name: role.name), location: task.location)
        block.importedHandlers = reference.expandedHandlers()
        return .block(block)
    }
}
