import Foundation
import Jinja
import OrderedCollections
import Yams

extension LoadSession {
    /// Reads a task file (import_tasks, role tasks/handlers, include_tasks at run time).
    func taskFile(at path: String, role: RoleContext?, handlers: Bool, location: SourceLocation) -> [TaskItem] {
        guard let document = document(at: path, location: location) else { return [] }
        fileStack.append(path)
        defer { fileStack.removeLast() }
        let reader = NodeReader(document: document, errors: errors)
        guard let root = document.root else { return [] }
        return taskList(root, reader: reader, role: role, handlers: handlers,
                        baseDirectory: (path as NSString).deletingLastPathComponent)
    }

    /// A list of tasks and blocks.
    func taskList(_ node: Node, reader: NodeReader, role: RoleContext?, handlers: Bool,
                  baseDirectory: String) -> [TaskItem] {
        guard case .sequence(let entries) = node else {
            if reader.value(node) != .none {
                reader.fail("expected a list of tasks (each starting with '- name:' or '- <module>:')", at: node)
            }
            return []
        }
        var items: [TaskItem] = []
        for entry in entries {
            guard case .mapping = entry else {
                reader.fail("each task must be a mapping such as '- name: ...' with a module", at: entry)
                continue
            }
            let keys = reader.entries(entry).map(\.key)
            if keys.contains("block") {
                if let block = within(argumentScope(of: entry, reader: reader), { block(entry, reader: reader, role: role, handlers: handlers, baseDirectory: baseDirectory) }) {
                    items.append(.block(block))
                }
            } else if let item = task(entry, reader: reader, role: role, handlers: handlers, baseDirectory: baseDirectory) {
                items.append(item)
            }
        }
        return items
    }

    private func block(_ node: Node, reader: NodeReader, role: RoleContext?, handlers: Bool,
                       baseDirectory: String) -> Block? {
        var block = Block(block: [], role: nil, location: reader.location(node))
        var notify: [String] = []
        for (key, keyNode, value) in reader.entries(node) {
            if readCommonKeyword(key, value, into: &block.keywords, reader: reader) { continue }
            switch key {
            case "name": block.name = reader.string(value, key)
            case "block":
                block.block = taskList(value, reader: reader, role: role, handlers: handlers, baseDirectory: baseDirectory)
            case "rescue":
                block.rescue = taskList(value, reader: reader, role: role, handlers: handlers, baseDirectory: baseDirectory)
            case "always":
                block.always = taskList(value, reader: reader, role: role, handlers: handlers, baseDirectory: baseDirectory)
            case "notify":
                notify = reader.strings(value, key)
            default:
                if PlaybookKeywords.taskOnly.contains(key) || key.hasPrefix("with_") || key == "listen" {
                    reader.fail("'\(key)' cannot be used on a block; put it on the tasks inside", at: keyNode, text: key)
                } else if PlaybookKeywords.play.contains(key) {
                    reader.fail("'\(key)' is a play keyword and cannot be used on a block", at: keyNode, text: key)
                } else if spec(named: key) != nil || PlaybookKeywords.isControlAction(key) {
                    reader.fail("a block cannot also run a module ('\(key)'); put the module in a task inside 'block:'",
                                at: keyNode, text: key)
                } else {
                    reader.fail("unknown block keyword '\(key)'", at: keyNode, text: key,
                                suggestion: Suggestion.nearest(key, in: Array(PlaybookKeywords.common.union(["block", "rescue", "always"]))))
                }
            }
        }
        checkConditions(block.keywords.when, keyword: "when", at: block.location)
        if !notify.isEmpty {
            // Ansible's block-level notify: every task inside notifies these too.
            block.block = block.block.map { $0.notifying(notify) }
            block.rescue = block.rescue.map { $0.notifying(notify) }
            block.always = block.always.map { $0.notifying(notify) }
        }
        return block
    }

    struct ActionCandidate {
        var name: String
        var keyNode: Node
        var value: Node
    }

    private func task(_ node: Node, reader: NodeReader, role: RoleContext?, handlers: Bool,
                      baseDirectory: String) -> TaskItem? {
        let location = reader.location(node)
        let errorMark = errors.errors.count
        var task = PlaybookTask(action: .meta(.noop), role: role, location: location)
        var actions: [ActionCandidate] = []
        var unknownModules: [ActionCandidate] = []
        var argsNode: Node?
        var loopNode: (kind: LoopKind, node: Node)?
        var loopControlNode: Node?
        for (key, keyNode, value) in reader.entries(node) {
            if readCommonKeyword(key, value, into: &task.keywords, reader: reader) { continue }
            switch key {
            case "name": task.name = reader.string(value, key)
            case "register":
                if case .mapping = value {
                    task.registerExpressions = registerProjections(value, reader: reader)
                } else {
                    task.register = reader.string(value, key)
                }
            case "notify": task.notify = reader.strings(value, key)
            case "listen":
                if handlers {
                    task.listen = reader.strings(value, key)
                } else {
                    reader.fail("'listen' only makes sense on a handler (under 'handlers:')", at: keyNode, text: key)
                }
            case "changed_when": task.changedWhen = reader.conditions(value, key)
            case "failed_when": task.failedWhen = reader.conditions(value, key)
            case "until": task.until = reader.conditions(value, key)
            case "retries": task.retries = reader.intOrTemplate(value, key)
            case "delay": task.delay = reader.secondsOrTemplate(value, key)
            case "args": argsNode = value
            case "loop": loopNode = (.loop, value)
            case "loop_control": loopControlNode = value
            case "action", "local_action":
                if key == "local_action" { task.keywords.delegateTo = "localhost" }
                if let candidate = actionFromActionKeyword(value, keyNode: keyNode, reader: reader) {
                    actions.append(candidate)
                }
            case "async": task.asyncSeconds = reader.intOrTemplate(value, key)
            case "poll": task.pollSeconds = reader.intOrTemplate(value, key)
            default:
                if let kind = PlaybookKeywords.loopKinds[key] {
                    if loopNode != nil {
                        reader.fail("a task can have only one loop ('\(key)' and '\(loopNode!.kind.keyword)')",
                                    at: keyNode, text: key)
                    }
                    loopNode = (kind, value)
                } else if key.hasPrefix("with_") {
                    reader.fail("the '\(key)' lookup is not supported; use 'loop:' with a list", at: keyNode, text: key,
                                suggestion: Suggestion.nearest(key, in: Array(PlaybookKeywords.loopKinds.keys)))
                } else if key == "rescue" || key == "always" {
                    reader.fail("'\(key)' needs a 'block:' in the same entry", at: keyNode, text: key)
                } else if PlaybookKeywords.play.contains(key) && !PlaybookKeywords.common.contains(key) && spec(named: key) == nil {
                    reader.fail("'\(key)' is a play keyword and cannot be used in a task", at: keyNode, text: key)
                } else if PlaybookKeywords.isControlAction(key) || spec(named: key) != nil {
                    if !PlaybookKeywords.isControlAction(key),
                       let plugin = PythonPlugin.find(key, roleDirectory: role?.path, playbookDirectory: playbookDirectory) {
                        // Ansible would run the role's own code under the built-in's name; deckhand cannot.
                        reader.fail("'\(key)' \(plugin.refusal) (it replaces the built-in \(key) here)", at: keyNode, text: key)
                    }
                    actions.append(ActionCandidate(name: key, keyNode: keyNode, value: value))
                } else {
                    if let plugin = PythonPlugin.find(key, roleDirectory: role?.path, playbookDirectory: playbookDirectory) {
                        reader.fail("'\(key)' \(plugin.refusal)", at: keyNode, text: key)
                    } else if AnsibleModuleNames.isAnsibleModule(key) {
                        reader.fail("'\(key)' is an Ansible module deckhand does not have (the modules it has: deckhand doc "
                                    + "--list)", at: keyNode, text: key)
                    } else {
                        let known = moduleNames + Array(PlaybookKeywords.task) + Array(PlaybookKeywords.controlActions)
                        let bare = ModuleRegistry.canonicalName(key)
                        var message = "unknown module or task keyword '\(key)'"
                        let nearModules = Suggestion.nearest(bare, in: moduleNames, count: 3)
                        if !nearModules.isEmpty { message += "; nearest modules: " + nearModules.joined(separator: ", ") }
                        reader.fail(message, at: keyNode, text: key, suggestion: Suggestion.nearest(bare, in: known))
                    }
                    unknownModules.append(ActionCandidate(name: key, keyNode: keyNode, value: value))
                }
            }
        }
        if actions.isEmpty, unknownModules.count == 1, let unknown = unknownModules.first,
           let unavailable = deferringErrors(since: errorMark, module: unknown.name, at: reader.location(unknown.keyNode),
                                             conditions: task.keywords.when) {
            task.action = .unavailable(unavailable)
            return .task(task)
        }
        if actions.count > 1 {
            reader.fail("a task can run only one module; this one has "
                        + actions.map { "'\($0.name)'" }.joined(separator: " and ")
                        + " (split it into two tasks)", at: actions[1].keyNode, text: actions[1].name)
            return nil
        }
        guard let action = actions.first else {
            if reader.entries(node).allSatisfy({ PlaybookKeywords.task.contains($0.key) || $0.key == "listen" }) {
                reader.fail("this task has no module (what should it do? e.g. 'command:', 'copy:')", at: node,
                            text: task.name ?? "task")
            }
            return nil
        }
        if let loopNode {
            var loop = Loop(kind: loopNode.kind, source: reader.value(loopNode.node), location: reader.location(loopNode.node))
            if let loopControlNode { loop.control = loopControl(loopControlNode, reader: reader) }
            task.loop = loop
        } else if let loopControlNode {
            reader.fail("'loop_control' without a loop", at: loopControlNode, text: "loop_control")
        }
        let item = resolveAction(action, task: task, argsNode: argsNode, reader: reader, role: role,
                                 handlers: handlers, baseDirectory: baseDirectory)
        if case .task(let resolved) = item {
            // A broken template fails the task again when it is rendered.
            let templateErrorMark = errors.errors.count
            checkTemplates(of: resolved)
            _ = deferringHandledErrors(since: templateErrorMark, task: resolved)
        }
        return item
    }

    /// `action: copy src=a dest=b` or `action: {module: copy, src: a}`.
    private func actionFromActionKeyword(_ value: Node, keyNode: Node, reader: NodeReader) -> ActionCandidate? {
        switch value {
        case .scalar(let scalar):
            let text = scalar.string.trimmingCharacters(in: .whitespaces)
            let name = String(text.prefix { !$0.isWhitespace })
            let rest = text.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { break }
            return ActionCandidate(name: name, keyNode: keyNode,
                                   value: .scalar(Node.Scalar(rest, Tag(.str), .plain, scalar.mark)))
        case .mapping(let mapping):
            guard let moduleNode = mapping["module"], let name = moduleNode.scalar?.string else { break }
            let pairs = mapping.filter { YAMLDocument.keyString($0.key) != "module" }
            var rest = Node.Mapping(pairs.map { ($0.key, $0.value) })
            rest.mark = mapping.mark
            return ActionCandidate(name: name, keyNode: keyNode, value: .mapping(rest))
        default: break
        }
        reader.fail("'action' must be 'module key=value...' or a mapping with 'module:'", at: value, text: "action")
        return nil
    }

    private func loopControl(_ node: Node, reader: NodeReader) -> LoopControl {
        var control = LoopControl()
        for (key, keyNode, value) in reader.entries(node) {
            switch key {
            case "loop_var": control.loopVar = reader.string(value, key) ?? "item"
            case "index_var": control.indexVar = reader.string(value, key)
            case "label": control.label = reader.string(value, key)
            // As Ansible, a value it cannot convert fails the task when it runs, not the playbook.
            case "pause":
                switch reader.value(value) {
                case .int(let number): control.pause = Double(number)
                case .double(let number): control.pause = number
                case .string(let text) where Double(text.trimmed) != nil: control.pause = Double(text.trimmed)
                case let other: control.invalid = control.invalid ?? Self.unconvertible(key, other, to: "float")
                }
            case "extended", "extended_allitems":
                let setting = reader.value(value)
                let flag: Bool? = switch setting {
                case .bool(let flag): flag
                case .int(let number) where number == 0 || number == 1: number == 1
                case .string(let text): NodeReader.truth(text)
                default: nil
                }
                if let flag {
                    if key == "extended" { control.extended = flag }
                } else {
                    control.invalid = control.invalid ?? Self.unconvertible(key, setting, to: "bool")
                }
            case "break_when":
                if case .mapping = value {
                    control.invalidBreakWhen = "Conditional expressions must be strings."
                    control.breakWhen = []
                } else {
                    control.breakWhen = reader.conditions(value, key)
                }
            default:
                reader.fail("unknown loop_control key '\(key)'", at: keyNode, text: key,
                            suggestion: Suggestion.nearest(key, in: ["loop_var", "index_var", "label", "pause", "extended",
                                                                     "break_when"]))
            }
        }
        return control
    }

    /// Ansible's message for a loop_control value of the wrong type.
    static func unconvertible(_ keyword: String, _ value: Value, to type: String) -> String {
        "Error processing keyword '\(keyword)': The value '\(value.pythonStr)' could not be converted to '\(type)'."
    }

    /// `register: {name: expression}`: names that are variable names, each an expression (a scalar).
    private func registerProjections(_ node: Node, reader: NodeReader) -> OrderedDictionary<String, String> {
        var projections = OrderedDictionary<String, String>()
        for (name, keyNode, value) in reader.entries(node) {
            guard SetFactModule.isIdentifier(name) else {
                reader.fail("Invalid 'register' specified: '\(name)' is not a valid variable name", at: keyNode, text: name)
                continue
            }
            if let expression = reader.string(value, "register") { projections[name] = NodeReader.unwrapExpression(expression) }
        }
        return projections
    }

    private func resolveAction(_ action: ActionCandidate, task: PlaybookTask, argsNode: Node?, reader: NodeReader,
                               role: RoleContext?, handlers: Bool, baseDirectory: String) -> TaskItem? {
        var task = task
        let name = ModuleRegistry.canonicalName(action.name)
        switch name {
        case "import_playbook":
            reader.fail("import_playbook is only allowed at the top level of a playbook, not in a task list",
                        at: action.keyNode, text: action.name)
            return nil
        case "meta":
            guard let text = reader.string(action.value, "meta") else { return nil }
            guard let meta = MetaAction(rawValue: text) else {
                reader.fail("unknown meta action '\(text)'", at: action.value, text: text,
                            suggestion: Suggestion.nearest(text, in: MetaAction.allCases.map(\.rawValue)))
                return nil
            }
            task.action = .meta(meta)
            return .task(task)
        case "include_tasks", "include":
            var file: String?
            var apply = TaskKeywords()
            if case .mapping = action.value {
                for (key, keyNode, value) in reader.entries(action.value) {
                    switch key {
                    case "file": file = reader.string(value, key)
                    case "apply":
                        for (applyKey, applyKeyNode, applyValue) in reader.entries(value)
                        where !readCommonKeyword(applyKey, applyValue, into: &apply, reader: reader) {
                            reader.fail("'\(applyKey)' cannot be used in 'apply'", at: applyKeyNode, text: applyKey)
                        }
                    default:
                        reader.fail("unknown include_tasks option '\(key)'", at: keyNode, text: key,
                                    suggestion: Suggestion.nearest(key, in: ["file", "apply"]))
                    }
                }
            } else {
                file = reader.string(action.value, action.name)
            }
            guard let file, !file.isEmpty else {
                reader.fail("include_tasks needs a file name", at: action.value, text: action.name)
                return nil
            }
            if let argsNode, let extra = reader.dict(argsNode, "args"), let argsFile = extra["file"],
               case .string = argsFile {
                reader.fail("give the file once, not also in 'args'", at: argsNode, text: "args")
            }
            task.action = .includeTasks(IncludeTasks(file: file, baseDirectory: baseDirectory, apply: apply))
            prevalidateInclude(file, task: task, baseDirectory: baseDirectory, role: role, handlers: handlers,
                               at: reader.location(action.value))
            return .task(task)
        case "import_tasks":
            // `import_tasks: file.yml` or, as Ansible also takes it, `import_tasks: {file: file.yml}`.
            var fileNode = action.value
            if case .mapping = action.value, let entry = reader.entries(action.value).first(where: { $0.key == "file" }) {
                fileNode = entry.value
            }
            guard var file = reader.string(fileNode, action.name) else {
                reader.fail("import_tasks needs a file name", at: action.value, text: action.name)
                return nil
            }
            if TemplateRenderer.isTemplate(file) {
                // As Ansible: a template of what is known before the play runs (role_path, playbook_dir...).
                let variables = LoadTimeVariables(playbookDirectory: playbookDirectory, playVars: playVars, role: role,
                                                  environment: templateEnvironment)
                do {
                    file = try variables.render(file)
                } catch {
                    let reason = (error as? TemplateError)?.message ?? "\(error)"
                    reader.fail("import_tasks is read before the play runs, so its file name can use only what is "
                                + "known then (role_path, playbook_dir, play and role vars): \(reason); use include_tasks",
                                at: action.value, text: file)
                    return nil
                }
            }
            if task.loop != nil {
                reader.fail("import_tasks cannot loop; use include_tasks with the loop", at: action.keyNode,
                            text: action.name)
                return nil
            }
            var folders = [baseDirectory]
            if let role { folders.append((role.path as NSString).appendingPathComponent("tasks")) }
            folders.append(playbookDirectory)
            guard let path = findFile(file, in: folders) else {
                reader.fail("import_tasks: cannot find '\(file)' (looked in \(folders.joined(separator: ", ")))",
                            at: action.value, text: file)
                return nil
            }
            let items = taskFile(at: path, role: role, handlers: handlers, location: reader.location(action.value))
            return .block(Block(name: task.name, block: items, keywords: task.keywords, role: nil,
                                origin: .importTasks(file: path), location: task.location))
        case "include_role", "import_role":
            return roleTask((action.name, action.keyNode, action.value), task: task, reader: reader, isImport: name == "import_role")
        default:
            guard let spec = spec(named: action.name) else { return nil }
            let argumentErrorMark = errors.errors.count
            var arguments = moduleArguments(action, spec: spec, reader: reader)
            if let argsNode {
                switch reader.value(argsNode) {
                case .dict(let extra):
                    for (key, value) in extra where arguments[key] == nil { arguments[key] = value }
                    validateArguments(extra, spec: spec, at: reader.location(argsNode), keyLocations: [:],
                                      reader: reader, checkRequired: false)
                case .string(let text) where text.contains("{{"):
                    reader.fail("'args' as a template is not supported; write a mapping", at: argsNode, text: "args")
                default:
                    reader.fail("'args' must be a mapping of module arguments", at: argsNode, text: "args")
                }
            }
            let keyLocations = argumentLocations(action.value, reader: reader)
            // Arguments the enclosing module_defaults may give are checked at run time, once they are known.
            validateArguments(arguments, spec: spec, at: reader.location(action.value), keyLocations: keyLocations,
                              reader: reader, checkRequired: !enclosingDefaults(give: spec.name),
                              moduleDefaults: task.keywords.moduleDefaults[spec.name])
            let deferred = deferringHandledErrors(since: argumentErrorMark, task: task)
            task.action = .module(ModuleCall(name: spec.name, originalName: action.name, arguments: .dict(arguments),
                                             location: reader.location(action.keyNode), argumentErrors: deferred))
            return .task(task)
        }
    }

    /// An include_tasks whose file name is not a template is read now too, so its mistakes are reported
    /// before the run (it is read again, per host, at run time).
    private func prevalidateInclude(_ file: String, task: PlaybookTask, baseDirectory: String, role: RoleContext?,
                                    handlers: Bool, at location: SourceLocation) {
        guard !TemplateRenderer.isTemplate(file) else { return }
        var folders = [baseDirectory]
        if let role { folders.append((role.path as NSString).appendingPathComponent("tasks")) }
        folders.append(playbookDirectory)
        guard let path = findFile(file, in: folders) else {
            errors.add(ValidationError("include_tasks: cannot find '\(file)' (looked in \(folders.joined(separator: ", ")))",
                                       at: location, offendingText: file))
            return
        }
        // A file that includes itself (recursion ended by a condition) is legitimate for include_tasks.
        guard !fileStack.contains(path), !prevalidated.contains(path) else { return }
        prevalidated.insert(path)
        insideDynamicInclude("include_tasks", task: task, at: task.location) {
            _ = taskFile(at: path, role: role, handlers: handlers, location: location)
        }
    }
}

extension TaskItem {
    /// This item with `names` added to the `notify` of every task inside.
    func notifying(_ names: [String]) -> TaskItem {
        switch self {
        case .task(var task):
            task.notify += names.filter { !task.notify.contains($0) }
            return .task(task)
        case .block(var block):
            block.block = block.block.map { $0.notifying(names) }
            block.rescue = block.rescue.map { $0.notifying(names) }
            block.always = block.always.map { $0.notifying(names) }
            return .block(block)
        }
    }
}
