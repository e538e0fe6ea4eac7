import Foundation
import Jinja

/// What a conditional (`when`, `failed_when`, an assert's `that`) came to, and the deprecations its form earned.
public struct ConditionalVerdict: Sendable, Equatable {
    public var holds: Bool
    /// ansible-core's deprecation messages, as a result's `deprecations` carry them.
    public var deprecations: [String] = []
}

/// A conditional that cannot be evaluated: empty, not a string, or text the operator did not write.
public struct ConditionalError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

extension Templating {
    static let templatedConditionalDeprecation = "Conditionals should not be surrounded by templating delimiters "
        + "such as {{ }} or {% %}."

    /// ansible-core's test of a value's provenance, `x is ansible._protomatter.tagged_with("TrustedAsTemplate")`;
    /// deckhand knows that one tag, by `TrustedText`.
    static func registerTrustTest(in environment: Environment) {
        environment.registerTest("ansible._protomatter.tagged_with") { value, args, kwargs in
            guard case .string(let tag)? = args.first ?? kwargs["tag_name"] else {
                throw TemplateError.typeError("tagged_with needs the tag's name, e.g. tagged_with('TrustedAsTemplate')")
            }
            guard tag == "TrustedAsTemplate" else {
                throw TemplateError.typeError("deckhand tracks one tag, TrustedAsTemplate (text the operator wrote), not '\(tag)'")
            }
            if case .string(let text) = value { return TrustedText.contains(text) }
            return false
        }
    }

    /// A conditional evaluated as ansible-core 2.21 evaluates one:
    /// - a bool is its own answer; nothing, or only blanks, is an error;
    /// - a string that is one template and nothing else (`"{{ check }}"`) is rendered first. When it renders to
    ///   text, that text is the expression, and it must be text the operator wrote (`TrustedText`): a template's
    ///   output or a module's result is never evaluated. When it renders to anything else, that is the answer,
    ///   with a deprecation (the braces were never needed);
    /// - any other string is the expression. Its string constants that hold templates are rendered
    ///   (`"du{{ 'de' }}"`). With `writtenHere`, the caller vouches that the text is the operator's (a `when:`
    ///   keyword); otherwise it must be `TrustedText`.
    public func conditional(_ input: Value, _ scope: VariableScope, writtenHere: Bool) throws -> ConditionalVerdict {
        let expression: String
        switch input {
        case .bool(let holds):
            return ConditionalVerdict(holds: holds)
        case .none:
            throw ConditionalError(message: "Empty conditional expressions are not allowed.")
        case .string(let written):
            let text = written.trimmed
            guard !text.isEmpty else { throw ConditionalError(message: "Empty conditional expressions are not allowed.") }
            if let literal = Templating.literalTruth(text) { return ConditionalVerdict(holds: literal) }
            if TemplateText.isPossiblyAllTemplate(text) {
                let value = try renderer.render(text, scope)
                guard case .string(let rendered) = value else {
                    if case .undefined(let undefined) = value { throw TemplateError.undefinedError(undefined) }
                    return ConditionalVerdict(holds: try Templating.boolResult(value),
                                              deprecations: [Templating.templatedConditionalDeprecation])
                }
                let trimmed = rendered.trimmed
                guard !trimmed.isEmpty else { throw ConditionalError(message: "Empty conditional expressions are not allowed.") }
                guard TrustedText.contains(rendered) || TrustedText.contains(trimmed) else {
                    throw Templating.untrusted(trimmed)
                }
                if let literal = Templating.literalTruth(trimmed) { return ConditionalVerdict(holds: literal) }
                expression = trimmed
            } else {
                guard writtenHere || TrustedText.contains(written) || TrustedText.contains(text) else {
                    throw Templating.untrusted(text)
                }
                expression = text
            }
        default:
            throw ConditionalError(message: "Conditional expressions must be strings.")
        }
        // An undefined result is an error, as Ansible's "'x' is undefined", never a quiet false.
        let value = try evaluate(expression, scope, renderingConstantTemplates: true)
        if case .undefined(let undefined) = value { throw TemplateError.undefinedError(undefined) }
        return ConditionalVerdict(holds: try Templating.boolResult(value))
    }

    /// A conditional's answer must be a bool, as ansible-core 2.19+ insists: `when: flag` with the string
    /// "false" (from `-e flag=false` or an INI inventory) would otherwise hold.
    private static func boolResult(_ value: Value) throws -> Bool {
        if case .bool(let holds) = value { return holds }
        throw ConditionalError(message: "Conditional result (\(value.isTruthy ? "True" : "False")) was derived from value of "
            + "type '\(value.pythonTypeName)'. Conditionals must have a boolean result (write `| bool`, `| length > 0` "
            + "or `is defined`, as the value means).")
    }

    /// A condition the operator wrote as a task keyword (`when`, `changed_when`, `failed_when`, `until`).
    public func condition(_ source: String, _ scope: VariableScope) throws -> Bool {
        try conditional(.string(source), scope, writtenHere: true).holds
    }

    /// ansible-core's resolve_to_container for a conditional list given as one template (`that: "{{ checks }}"`):
    /// a lone variable holding a list is that list as written, each item then evaluated as a conditional of
    /// its own; anything else is rendered.
    public func resolveContainer(_ text: String, _ scope: VariableScope) throws -> Value {
        let inner = NodeReader.unwrapExpression(text)
        if inner != text.trimmed, SetFactModule.isIdentifier(inner), let scope = scope as? TemplatedScope,
           case .list(let items)? = scope.rawValue(named: inner) {
            return .list(items)
        }
        return try renderer.render(text, scope)
    }

    /// The bool words a condition may be written as (`when: yes`).
    private static func literalTruth(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: return nil
        }
    }

    private static func untrusted(_ text: String) -> ConditionalError {
        ConditionalError(message: "Encountered untrusted template or expression: '\(text)' is not text the playbook, "
            + "its roles, vars files or inventory wrote (a template's output or a module's result is never evaluated "
            + "as a conditional). Write the expression itself in the playbook.")
    }
}
