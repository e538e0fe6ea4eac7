import Foundation
import Jinja
import OrderedCollections

/// Compiles the templates and conditions of a task while loading, so a Jinja syntax error is reported with
/// the playbook's file:line before anything runs (unknown variables can only show at run time). Template
/// files the task names literally are compiled too: their syntax errors and unknown filters and tests stop
/// the run before an earlier task has changed a host.
extension LoadSession {
    func checkTemplates(of task: PlaybookTask) {
        // A task that ignores its errors expects it may fail: as Ansible, its template errors fail it when it runs
        // (and are warnings now), rather than stopping the whole run.
        let mark = errors.errors.count
        defer { if task.keywords.ignoreErrors == .literal(true) { warnings += errors.take(since: mark) } }
        for (keyword, conditions) in [("when", task.keywords.when), ("changed_when", task.changedWhen ?? []),
                                      ("failed_when", task.failedWhen ?? []), ("until", task.until ?? [])] {
            checkConditions(conditions, keyword: keyword, at: task.location)
        }
        if case .module(let call) = task.action {
            checkTemplates(in: call.arguments, path: call.name, at: call.location)
            checkTemplateFiles(of: task, call: call)
        }
        if let loop = task.loop { checkTemplates(in: loop.source, path: loop.kind.keyword, at: loop.location) }
    }

    func checkConditions(_ conditions: [String], keyword: String, at location: SourceLocation) {
        for condition in conditions where !isLiteralCondition(condition) {
            do {
                _ = try templateEnvironment.compileExpression(NodeReader.unwrapExpression(condition), name: keyword)
            } catch let error as TemplateError {
                errors.add(ValidationError("'\(keyword)' is not a valid expression: \(error.message)",
                                           at: location, offendingText: condition))
            } catch {
                continue
            }
        }
    }

    private func isLiteralCondition(_ text: String) -> Bool {
        ["true", "false", "yes", "no"].contains(text.lowercased())
    }

    private func checkTemplates(in value: Value, path: String, at location: SourceLocation) {
        switch value {
        case .string(let text) where TemplateRenderer.isTemplate(text):
            do {
                _ = try templateEnvironment.compile(text, name: path)
            } catch let error as TemplateError {
                errors.add(ValidationError("template error in '\(path)': \(error.message)", at: location,
                                           offendingText: text))
            } catch {
                return
            }
        case .list(let items):
            for item in items { checkTemplates(in: item, path: path, at: location) }
        case .dict(let dict):
            for (key, item) in dict { checkTemplates(in: item, path: "\(path).\(key)", at: location) }
        default:
            return
        }
    }
}

extension LoadSession {
    /// `template: src=...` and `lookup('template', '...')` with a literal name.
    fileprivate func checkTemplateFiles(of task: PlaybookTask, call: ModuleCall) {
        var names: [String] = []
        if spec(named: call.name)?.name == "template", case .dict(let arguments) = call.arguments,
           case .string(let source)? = arguments["src"], !TemplateRenderer.isTemplate(source) {
            names.append(source)
        }
        names += LoadSession.templateLookups(in: call.arguments)
        for name in names {
            guard let path = templateFile(named: name, role: task.role?.path) else { continue }
            checkTemplateFile(at: path, task: task, at: call.location)
        }
    }

    private func checkTemplateFile(at path: String, task: PlaybookTask, at location: SourceLocation) {
        guard let data = FileManager.default.contents(atPath: path) else { return }
        let environment = Environment(options: Templating.playbookOptions)
        do {
            _ = try environment.compile(String(decoding: data, as: UTF8.self), name: path)
        } catch let error as TemplateError {
            errors.add(ValidationError("template \(path):\(error.line): \(error.message) (used by task "
                                       + "'\(task.displayName)'); fix the template before running", at: location,
                                       offendingText: path))
        } catch {
            return
        }
    }

    /// Where the run will look for a template (the role's templates/ and folder, then the playbook's).
    private func templateFile(named name: String, role rolePath: String?) -> String? {
        if name.hasPrefix("/") { return FileManager.default.fileExists(atPath: name) ? name : nil }
        var candidates: [String] = []
        if let rolePath { candidates += ["\(rolePath)/templates/\(name)", "\(rolePath)/\(name)"] }
        candidates += ["\(playbookDirectory)/templates/\(name)", "\(playbookDirectory)/\(name)"]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Literal names in `lookup('template', 'name')` anywhere in the arguments.
    private static func templateLookups(in value: Value) -> [String] {
        switch value {
        case .string(let text) where text.contains("lookup"):
            let pattern = #"lookup\(\s*['"](?:ansible\.builtin\.)?template['"]\s*,\s*['"]([^'"{}]+)['"]"#
            guard let expression = try? NSRegularExpression(pattern: pattern) else { return [] }
            let range = NSRange(text.startIndex..., in: text)
            return expression.matches(in: text, range: range).compactMap { match in
                Range(match.range(at: 1), in: text).map { String(text[$0]) }
            }
        case .list(let items):
            return items.flatMap(templateLookups(in:))
        case .dict(let dict):
            return dict.values.flatMap(templateLookups(in:))
        default:
            return []
        }
    }
}
