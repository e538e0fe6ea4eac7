import Foundation

/// Where `include`, `import`, `extends` and `from` find other templates.
public protocol TemplateLoader: Sendable {
    /// The source of the template called `name`, or nil when there is none.
    func loadTemplate(named name: String) throws -> String?
}

/// Supplies variables to a render; lets the caller resolve (and lazily template) them on demand.
public protocol VariableScope {
    /// The value of the top-level variable `name`, or nil when it is undefined.
    func value(named name: String) throws -> Value?
}

/// The settings that change how template text is read. `.ansible` is what Ansible uses.
public struct Options: Sendable, Hashable {
    public var trimBlocks: Bool
    public var lstripBlocks: Bool
    public var keepTrailingNewline: Bool

    public init(trimBlocks: Bool = true, lstripBlocks: Bool = false, keepTrailingNewline: Bool = false) {
        self.trimBlocks = trimBlocks
        self.lstripBlocks = lstripBlocks
        self.keepTrailingNewline = keepTrailingNewline
    }

    public static let ansible = Options()
}

/// A filter: the value left of `|`, then the positional and keyword arguments.
public typealias Filter = @Sendable (Value, [Value], [String: Value]) throws -> Value

/// Compiles templates and expressions; holds the filters, tests and loader they use.
public final class Environment: @unchecked Sendable {
    public let options: Options
    public let loader: TemplateLoader?

    public init(options: Options = .ansible, loader: TemplateLoader? = nil) {
        self.options = options
        self.loader = loader
    }

    /// Compiles `source`; `name` is what errors call it.
    public func compile(_ source: String, name: String = "<template>") throws -> Template {
        fatalError("Jinja engine not implemented yet")
    }

    /// Compiles a bare expression, as `when:` and `that:` hold them.
    public func compileExpression(_ source: String, name: String = "<expression>") throws -> Expression {
        fatalError("Jinja engine not implemented yet")
    }

    /// Loads and compiles a template through the loader.
    public func template(named name: String) throws -> Template {
        fatalError("Jinja engine not implemented yet")
    }

    /// Adds or replaces a filter.
    public func registerFilter(_ name: String, _ filter: @escaping Filter) {
        fatalError("Jinja engine not implemented yet")
    }
}

/// A compiled template, reusable across renders and threads.
public struct Template: Sendable {
    public let name: String

    /// Renders to text.
    public func render(_ scope: VariableScope) throws -> String {
        fatalError("Jinja engine not implemented yet")
    }

    public func render(_ variables: [String: Value]) throws -> String {
        fatalError("Jinja engine not implemented yet")
    }

    /// Ansible's native types: when the whole template is one `{{ expression }}`, that expression's value;
    /// otherwise the rendered text as a string.
    public func renderValue(_ scope: VariableScope) throws -> Value {
        fatalError("Jinja engine not implemented yet")
    }
}

/// A compiled bare expression.
public struct Expression: Sendable {
    public let source: String

    public func evaluate(_ scope: VariableScope) throws -> Value {
        fatalError("Jinja engine not implemented yet")
    }
}

/// What went wrong while compiling or rendering, and where.
public struct TemplateError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        case syntax, undefined, type, filter, loader, runtime
    }
    public var kind: Kind
    public var message: String
    public var templateName: String
    public var line: Int

    public init(_ kind: Kind, _ message: String, templateName: String, line: Int) {
        self.kind = kind
        self.message = message
        self.templateName = templateName
        self.line = line
    }

    public var description: String { "\(templateName):\(line): \(message)" }
}
