import Jinja
import OrderedCollections

/// Compiles the templates and conditions of a task while loading, so a Jinja syntax error is reported with
/// the playbook's file:line before anything runs (unknown variables and filters can only show at run time).
extension LoadSession {
    func checkTemplates(of task: PlaybookTask) {
        for (keyword, conditions) in [("when", task.keywords.when), ("changed_when", task.changedWhen ?? []),
                                      ("failed_when", task.failedWhen ?? []), ("until", task.until ?? [])] {
            checkConditions(conditions, keyword: keyword, at: task.location)
        }
        if case .module(let call) = task.action {
            checkTemplates(in: call.arguments, path: call.name, at: call.location)
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
