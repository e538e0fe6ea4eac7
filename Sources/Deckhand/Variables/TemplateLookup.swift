import Foundation
import Jinja
import OrderedCollections

/// Ansible's template lookup: each term a template file (found as the template module finds it) rendered with the
/// task's variables, template_vars over them, read with the lookup's delimiters and trim_blocks. As Ansible's
/// native templating: a lone `{{ expression }}` keeps its type, and a template that renders nothing is None.
///
///     lookup('template', 'motd.j2', template_vars={'who': 'ops'}, variable_start_string='[%', variable_end_string='%]')
enum TemplateLookup {
    static func query(_ terms: [Value], options: [String: Value], scope: VariableScope,
                      search: Lookups.SearchPath) throws -> [Value] {
        let values = try PluginOptions.resolve(AnsibleSettings.plugins["lookup"]?["template"] ?? [], plugin: "template",
                                               type: "lookup", direct: options, scope: nil)
        var settings = TemplateSettings()
        settings.trimBlocks = values["trim_blocks"]?.isTruthy ?? true
        settings.delimiters.variableStart = values["variable_start_string"]?.displayText ?? "{{"
        settings.delimiters.variableEnd = values["variable_end_string"]?.displayText ?? "}}"
        settings.delimiters.commentStart = values["comment_start_string"]?.displayText ?? "{#"
        settings.delimiters.commentEnd = values["comment_end_string"]?.displayText ?? "#}"
        var templateVars = OrderedDictionary<String, Value>()
        if case .dict(let given)? = values["template_vars"] { templateVars = given }
        return try terms.map { term in
            let path: String
            do {
                path = try search.find(term.displayText, in: "templates", plugin: "template")
            } catch {
                throw LookupError("the template file \(term.displayText) could not be found for the lookup; looked in "
                                  + search.candidates(term.displayText, in: "templates").joined(separator: ", "))
            }
            var vars: OrderedDictionary<String, Value> = ["template_path": term, "template_fullpath": .string(path)]
            for (key, value) in templateVars { vars[key] = value }
            let templateScope: VariableScope
            if let scope = scope as? TemplatedScope {
                templateScope = scope.adding(vars)
            } else {
                templateScope = OverlaidScope(overlay: vars, base: scope)
            }
            return try TemplateFile.renderValue(path: path, scope: templateScope, settings: settings)
        }
    }
}

/// `overlay` over the variables of `base`.
private struct OverlaidScope: VariableScope {
    var overlay: OrderedDictionary<String, Value>
    var base: VariableScope

    func value(named name: String) throws -> Value? {
        try overlay[name] ?? base.value(named: name)
    }
}
