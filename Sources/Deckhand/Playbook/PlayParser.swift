import Foundation
import Jinja
import OrderedCollections
import Yams

extension LoadSession {
    func play(_ node: Node, reader: NodeReader, directory: String) -> Play? {
        var play = Play(hosts: "", playbookDirectory: directory, location: reader.location(node))
        var hostsSeen = false
        var roleNodes: Node?
        var sections: [(String, Node)] = []
        for (key, keyNode, value) in reader.entries(node) {
            if readCommonKeyword(key, value, into: &play.keywords, reader: reader, onPlay: true) {
                if key == "connection", let kind = reader.string(value, key) {
                    play.vars["ansible_connection"] = .string(kind)
                }
                continue
            }
            switch key {
            case "name": play.name = reader.string(value, key)
            case "hosts":
                hostsSeen = true
                play.hosts = reader.strings(value, key).joined(separator: ":")
            case "vars": play.vars.merge(reader.dict(value, key) ?? [:]) { $1 }
            case "vars_files": play.varsFiles = varsFiles(value, reader: reader)
            case "vars_prompt": play.varsPrompt = varsPrompts(value, reader: reader)
            case "roles": roleNodes = value
            case "pre_tasks", "tasks", "post_tasks", "handlers": sections.append((key, value))
            case "gather_facts": play.gatherFacts = reader.bool(value, key) ?? true
            case "serial": play.serial = serial(value, reader: reader)
            case "max_fail_percentage":
                switch reader.value(value) {
                case .int(let number): play.maxFailPercentage = Double(number)
                case .double(let number): play.maxFailPercentage = number
                case .string(let text) where Double(text.replacingOccurrences(of: "%", with: "")) != nil:
                    play.maxFailPercentage = Double(text.replacingOccurrences(of: "%", with: ""))
                default: reader.fail("'max_fail_percentage' must be a number from 0 to 100", at: value, text: key)
                }
            case "any_errors_fatal": play.anyErrorsFatal = reader.bool(value, key) ?? false
            case "strategy":
                if let name = reader.string(value, key) {
                    if let strategy = Strategy(rawValue: name) {
                        play.strategy = strategy
                    } else {
                        reader.fail("unknown strategy '\(name)' (deckhand has linear and free)", at: value,
                                    suggestion: Suggestion.nearest(name, in: ["linear", "free"]))
                    }
                }
            case "remote_user": play.remoteUser = reader.string(value, key)
            case "gather_subset", "gather_timeout", "collections", "force_handlers", "order", "timeout", "throttle",
                 "port":
                continue
            default:
                misplacedOnPlay(key, keyNode: keyNode, reader: reader)
            }
        }
        if !hostsSeen || play.hosts.isEmpty {
            reader.fail("this play has no 'hosts:' (which hosts should it run on? e.g. 'hosts: all')", at: node,
                        text: play.name ?? "play")
        }
        playVars = play.vars
        defer { playVars = [:] }
        let scope = argumentScope(of: node, reader: reader)
        if let roleNodes {
            play.roles = within(scope) { roleReferences(roleNodes, reader: reader, searchBase: directory) }
        }
        for (key, value) in sections {
            let items = within(scope) {
                taskList(value, reader: reader, role: nil, handlers: key == "handlers", baseDirectory: directory)
            }
            switch key {
            case "pre_tasks": play.preTasks = items
            case "tasks": play.tasks = items
            case "post_tasks": play.postTasks = items
            default: play.handlers = handlers(from: items, reader: reader)
            }
        }
        checkNotifications(of: play)
        return play
    }

    private func misplacedOnPlay(_ key: String, keyNode: Node, reader: NodeReader) {
        if PlaybookKeywords.taskOnly.contains(key) || key == "when" || key == "listen" || key.hasPrefix("with_")
            || PlaybookKeywords.blockOnly.contains(key) {
            reader.fail("'\(key)' is a task keyword and cannot be used on a play; put it on a task under 'tasks:'",
                        at: keyNode, text: key)
        } else if spec(named: key) != nil || PlaybookKeywords.isControlAction(key) {
            reader.fail("'\(key)' looks like a task written directly in the play; move it under 'tasks:'",
                        at: keyNode, text: key)
        } else {
            reader.fail("unknown play keyword '\(key)'", at: keyNode, text: key,
                        suggestion: Suggestion.nearest(key, in: Array(PlaybookKeywords.play)))
        }
    }

    /// Turns a parsed handlers list into handlers (blocks in handler lists are flattened).
    func handlers(from items: [TaskItem], reader: NodeReader) -> [Handler] {
        var result: [Handler] = []
        for item in items {
            switch item {
            case .task(let task):
                if task.name == nil && task.listen.isEmpty {
                    errors.add(ValidationError("a handler needs a 'name' (or 'listen') so tasks can notify it",
                                               at: task.location))
                }
                result.append(Handler(task: task, listen: task.listen))
            case .block(let block):
                var inner = handlers(from: block.block + block.rescue + block.always, reader: reader)
                for index in inner.indices {
                    inner[index].task.keywords = inner[index].task.keywords.inheriting(from: block.keywords)
                }
                result += inner
            }
        }
        return result
    }

    private func varsFiles(_ node: Node, reader: NodeReader) -> [VarsFile] {
        guard case .sequence(let entries) = node else {
            if let single = reader.string(node, "vars_files") {
                return [VarsFile(candidates: [single], location: reader.location(node))]
            }
            return []
        }
        return entries.map { VarsFile(candidates: reader.strings($0, "vars_files"), location: reader.location($0)) }
    }

    private func varsPrompts(_ node: Node, reader: NodeReader) -> [VarsPrompt] {
        guard case .sequence(let entries) = node else {
            reader.fail("'vars_prompt' must be a list of {name, prompt}", at: node, text: "vars_prompt")
            return []
        }
        var prompts: [VarsPrompt] = []
        for entry in entries {
            var prompt = VarsPrompt(name: "", prompt: "", location: reader.location(entry))
            for (key, keyNode, value) in reader.entries(entry) {
                switch key {
                case "name": prompt.name = reader.string(value, key) ?? ""
                case "prompt": prompt.prompt = reader.string(value, key) ?? ""
                case "default": prompt.defaultValue = reader.value(value)
                case "private": prompt.isPrivate = reader.bool(value, key) ?? true
                case "confirm": prompt.confirm = reader.bool(value, key) ?? false
                case "encrypt", "salt_size", "salt", "unsafe": continue
                default:
                    reader.fail("unknown vars_prompt key '\(key)'", at: keyNode,
                                suggestion: Suggestion.nearest(key, in: ["name", "prompt", "default", "private", "confirm"]))
                }
            }
            if prompt.name.isEmpty { reader.fail("a vars_prompt entry needs a 'name'", at: entry, text: "vars_prompt") }
            if prompt.prompt.isEmpty { prompt.prompt = prompt.name }
            prompts.append(prompt)
        }
        return prompts
    }

    private func serial(_ node: Node, reader: NodeReader) -> [SerialStep] {
        func step(_ value: Value) -> SerialStep? {
            switch value {
            case .int(let number) where number >= 0: return .count(number)
            case .string(let text) where text.hasSuffix("%"):
                if let percent = Double(text.dropLast().trimmingCharacters(in: .whitespaces)) { return .percent(percent) }
            case .string(let text): if let number = Int(text) { return .count(number) }
            default: break
            }
            reader.fail("'serial' must be a number of hosts, a percentage like '30%', or a list of them", at: node,
                        text: "serial")
            return nil
        }
        switch reader.value(node) {
        case .list(let values): return values.compactMap(step)
        case .none: return []
        case let value: return step(value).map { [$0] } ?? []
        }
    }

    /// Reads a keyword shared by plays, blocks and tasks; false when `key` is not one of them.
    func readCommonKeyword(_ key: String, _ value: Node, into keywords: inout TaskKeywords, reader: NodeReader,
                           onPlay: Bool = false) -> Bool {
        switch key {
        case "when" where !onPlay: keywords.when += reader.conditions(value, key)
        case "tags": keywords.tags += reader.tags(value)
        case "become": keywords.become = reader.boolSetting(value, key)
        case "become_user": keywords.becomeUser = reader.string(value, key)
        case "become_method":
            if let written = reader.string(value, key) {
                let method = ModuleRegistry.canonicalName(written)
                if ["sudo", "su"].contains(method) || method.contains("{{") {
                    keywords.becomeMethod = method
                } else {
                    reader.fail("become_method '\(method)' is not supported (deckhand has sudo and su)", at: value,
                                suggestion: Suggestion.nearest(method, in: ["sudo", "su"]))
                }
            }
        case "become_flags": keywords.becomeFlags = reader.string(value, key)
        case "ignore_errors": keywords.ignoreErrors = reader.boolSetting(value, key)
        case "ignore_unreachable": keywords.ignoreUnreachable = reader.boolSetting(value, key)
        case "no_log": keywords.noLog = reader.boolSetting(value, key)
        case "check_mode": keywords.checkMode = reader.boolSetting(value, key)
        case "diff": keywords.diff = reader.boolSetting(value, key)
        case "environment": keywords.environment = reader.dictOrTemplate(value, key)
        case "delegate_to" where !onPlay: keywords.delegateTo = reader.string(value, key)
        case "run_once": keywords.runOnce = reader.boolSetting(value, key)
        case "any_errors_fatal" where !onPlay: keywords.anyErrorsFatal = reader.boolSetting(value, key)
        case "vars" where !onPlay: keywords.vars.merge(reader.dict(value, key) ?? [:]) { $1 }
        case "module_defaults":
            for (module, defaults) in reader.dict(value, key) ?? [:] {
                if module.hasPrefix("group/") { continue }
                let name = spec(named: module)?.name ?? ModuleRegistry.canonicalName(module)
                if spec(named: module) == nil {
                    reader.fail("module_defaults names an unknown module '\(module)'", at: value, text: module,
                                suggestion: Suggestion.nearest(ModuleRegistry.canonicalName(module), in: moduleNames))
                }
                keywords.moduleDefaults[name] = defaults
            }
        case "remote_user" where !onPlay: keywords.remoteUser = reader.string(value, key)
        case "become_exe", "fact_path": return true
        case "connection" where !onPlay:
            if let kind = reader.string(value, key) { keywords.vars["ansible_connection"] = .string(kind) }
        case "connection":
            return true
        case "timeout": keywords.timeout = reader.intOrTemplate(value, key)
        case "delegate_facts", "throttle", "debugger", "collections", "port":
            return !onPlay || ["collections", "throttle", "port"].contains(key)
        default:
            return false
        }
        return true
    }
}
