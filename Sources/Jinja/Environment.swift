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
    /// Ansible's AnsibleUndefined: an attribute or item of an undefined value is that same undefined value
    /// (`result.stdout | default('')` with `result` never registered), not an error as in plain Jinja2. Using
    /// it for anything else still fails, naming the first undefined variable.
    public var chainsUndefined: Bool
    /// The tag delimiters (Jinja2's block/variable/comment start and end strings; Ansible's template overrides).
    public var delimiters: Delimiters

    public init(trimBlocks: Bool = true, lstripBlocks: Bool = false, keepTrailingNewline: Bool = false,
                chainsUndefined: Bool = false, delimiters: Delimiters = Delimiters()) {
        self.trimBlocks = trimBlocks
        self.lstripBlocks = lstripBlocks
        self.keepTrailingNewline = keepTrailingNewline
        self.chainsUndefined = chainsUndefined
        self.delimiters = delimiters
    }

    public static let ansible = Options()
}

/// The strings that open and close tags: `{% %}`, `{{ }}` and `{# #}` unless a template says otherwise, and
/// Jinja2's line prefixes (none unless set).
public struct Delimiters: Sendable, Hashable {
    public var blockStart = "{%", blockEnd = "%}"
    public var variableStart = "{{", variableEnd = "}}"
    public var commentStart = "{#", commentEnd = "#}"
    /// Jinja2's line_statement_prefix: a line whose first non-blank text is this is a block statement
    /// (`# for x in xs` with "#"); the statement ends at the end of the line, which it takes with it.
    public var lineStatementPrefix: String?
    /// Jinja2's line_comment_prefix: from this to the end of the line (the newline kept) is a comment.
    public var lineCommentPrefix: String?

    public init() {}
}

/// A filter: the value left of `|`, then the positional and keyword arguments.
public typealias Filter = @Sendable (Value, [Value], [String: Value]) throws -> Value

/// A global function that is also handed the variables of the render calling it (nil outside a render).
public typealias ScopedFunctionBody = @Sendable (_ arguments: [Value], _ keywords: [String: Value],
                                                 _ scope: VariableScope?) throws -> Value

/// A test (`x is name(args)`): the value left of `is`, then the positional and keyword arguments.
public typealias Test = @Sendable (Value, [Value], [String: Value]) throws -> Bool

/// Compiles templates and expressions; holds the filters, tests and loader they use.
public final class Environment: @unchecked Sendable {
    public let options: Options
    public let loader: TemplateLoader?

    // Filters and tests may be registered while other threads render: every access goes through `lock`,
    // and a render takes one snapshot of the filter table.
    private let lock = NSLock()
    private var filters: [String: Filter] = [:]
    private var tests: [String: Test] = [:]
    // Compiled templates by name. Not `Template`s: those hold the environment, which would then never be freed.
    private var cache: [String: CompiledTemplate] = [:]
    private var globalValues: [String: Value]
    private var _defaultFilterReplaced = false
    /// Whether `default` was re-registered, which turns off its inline fast path.
    var defaultFilterReplaced: Bool {
        lock.lock()
        defer { lock.unlock() }
        return _defaultFilterReplaced
    }

    public init(options: Options = .ansible, loader: TemplateLoader? = nil) {
        self.options = options
        self.loader = loader
        self.globalValues = Environment.makeGlobals()
        filters = PureFilters.all
        for (name, filter) in EngineFilters.make(self) { filters[name] = filter }
        tests = BuiltinTests.all
    }

    /// Compiles `source`; `name` is what errors call it.
    public func compile(_ source: String, name: String = "<template>") throws -> Template {
        var lexer = Lexer(source: source, options: options, name: name)
        let tokens = try lexer.tokenize()
        var parser = Parser(tokens: tokens, name: name)
        let nodes = try parser.parseTemplate()
        try FilterCheck(environment: self, templateName: name).check(nodes)
        return Template(name: name, compiled: CompiledTemplate(name: name, nodes: nodes), environment: self)
    }

    /// Compiles a bare expression, as `when:` and `that:` hold them.
    public func compileExpression(_ source: String, name: String = "<expression>") throws -> Expression {
        var lexer = Lexer(source: "{{ " + source + " }}", options: options, name: name)
        let tokens = try lexer.tokenize()
        var parser = Parser(tokens: tokens, name: name)
        guard case .varBegin = parser.current else { throw TemplateError(.syntax, "empty expression", templateName: name, line: 1) }
        parser.advance()
        if case .varEnd = parser.current { throw TemplateError(.syntax, "empty expression", templateName: name, line: 1) }
        let expr = try parser.parseTuple()
        guard case .varEnd = parser.current else { throw parser.unexpected(expected: "end of expression") }
        parser.advance()
        guard case .eof = parser.current else { throw parser.unexpected() }
        return Expression(source: source, expr: expr, name: name, environment: self)
    }

    /// Loads and compiles a template through the loader.
    public func template(named name: String) throws -> Template {
        lock.lock()
        if let compiled = cache[name] {
            lock.unlock()
            return Template(name: name, compiled: compiled, environment: self)
        }
        lock.unlock()
        guard let loader = loader else {
            throw TemplateError(.loader, "no template loader is configured, cannot load template '\(name)'", templateName: name, line: 0)
        }
        guard let source = try loader.loadTemplate(named: name) else {
            throw TemplateError(.loader, "template '\(name)' not found", templateName: name, line: 0)
        }
        let t = try compile(source, name: name)
        lock.lock()
        cache[name] = t.compiled
        lock.unlock()
        return t
    }

    /// Adds or replaces a filter.
    public func registerFilter(_ name: String, _ filter: @escaping Filter) {
        lock.lock()
        if name == "default" || name == "d" { _defaultFilterReplaced = true }
        filters[name] = filter
        lock.unlock()
    }

    /// Adds or replaces a test.
    public func registerTest(_ name: String, _ test: @escaping Test) {
        lock.lock()
        tests[name] = test
        lock.unlock()
    }

    /// Adds or replaces a global: a name every template sees unless a variable of that name hides it.
    public func registerGlobal(_ name: String, _ value: Value) {
        lock.lock()
        globalValues[name] = value
        lock.unlock()
    }

    /// Adds or replaces a global function, e.g. Ansible's `lookup('env', 'HOME')`.
    public func registerFunction(_ name: String, _ body: @escaping @Sendable ([Value], [String: Value]) throws -> Value) {
        registerGlobal(name, .object(NativeFunction(name, body)))
    }

    /// Adds a global function that reads the calling render's variables (Ansible's `lookup('vars', ...)`).
    /// With `rendersConstantArguments`, the string constants written in a call of it are templates, rendered before
    /// the call, all but the first argument (Ansible's `lookup('pipe', 'echo {{ x }}')`).
    public func registerScopedFunction(_ name: String, rendersConstantArguments: Bool = false,
                                       _ body: @escaping ScopedFunctionBody) {
        registerGlobal(name, .object(ScopedFunction(name, rendersConstantArguments: rendersConstantArguments, body)))
    }

    var globals: [String: Value] {
        lock.lock()
        defer { lock.unlock() }
        return globalValues
    }

    var filterTable: [String: Filter] {
        lock.lock()
        defer { lock.unlock() }
        return filters
    }

    func filter(named name: String) -> Filter? {
        lock.lock()
        defer { lock.unlock() }
        return filters[name] ?? Environment.builtinName(name).flatMap { filters[$0] }
    }

    func test(named name: String) -> Test? {
        lock.lock()
        defer { lock.unlock() }
        return tests[name] ?? Environment.builtinName(name).flatMap { tests[$0] }
    }

    /// The bare name of a filter or test written with ansible-core's collection prefix (`ansible.builtin.combine`,
    /// `ansible.legacy.match`): every built-in one, Jinja's own included, answers to both.
    static func builtinName(_ name: String) -> String? {
        for prefix in ["ansible.builtin.", "ansible.legacy."] where name.hasPrefix(prefix) {
            return String(name.dropFirst(prefix.count))
        }
        return nil
    }
}

final class CompiledTemplate: Sendable {
    let name: String
    let nodes: [Node]
    /// Every `{% block %}` in the template, nested ones included.
    let blocks: [String: [Node]]
    let extends: Bool

    init(name: String, nodes: [Node]) {
        self.name = name
        self.nodes = nodes
        var blocks: [String: [Node]] = [:]
        var extends = false
        func collect(_ nodes: [Node]) {
            for n in nodes {
                switch n {
                case .block(let name, let body, _, _):
                    if blocks[name] == nil { blocks[name] = body }
                    collect(body)
                case .extends: extends = true
                case .conditional(let branches, let elseBody, _):
                    for b in branches { collect(b.1) }
                    collect(elseBody)
                case .forLoop(let f): collect(f.body); collect(f.elseBody)
                case .with(_, let body, _), .filterBlock(let body, _, _): collect(body)
                default: break
                }
            }
        }
        collect(nodes)
        self.blocks = blocks
        self.extends = extends
    }
}

/// A compiled template, reusable across renders and threads.
public struct Template: Sendable {
    public let name: String
    let compiled: CompiledTemplate
    let environment: Environment

    /// Renders to text.
    public func render(_ scope: VariableScope) throws -> String {
        try renderToBuffer(scope).string
    }

    private func renderToBuffer(_ scope: VariableScope) throws -> OutputBuffer {
        let ctx = RenderContext(environment: environment, scope: scope, templateName: name)
        var out = OutputBuffer(capacity: 4096)
        do {
            try ctx.renderTemplate(self, frame: Frame(parent: nil), &out)
        } catch {
            throw ctx.locate(error)
        }
        return out
    }

    public func render(_ variables: [String: Value]) throws -> String {
        try render(DictionaryScope(variables: variables))
    }

    /// Ansible's native types: when the whole template is one `{{ expression }}`, that expression's value; when
    /// it writes one piece that is not text (`{% macro m() %}...{% endmacro %}{{ m() }}`, `{% if x %}{{ 5 }}{% endif %}`),
    /// that value; otherwise the rendered text as a string (empty when nothing was written).
    public func renderValue(_ scope: VariableScope) throws -> Value {
        if compiled.nodes.count == 1, case .output(let expr, let line) = compiled.nodes[0] {
            let ctx = RenderContext(environment: environment, scope: scope, templateName: name)
            ctx.line = line
            do {
                let v = try ctx.eval(expr, Frame(parent: nil))
                // As Ansible's finalizing templar: an undefined anywhere in the result fails the template
                // (`things | map(attribute='name')` over an item without `name`), not only a lone one.
                if case .undefined(let u) = v { throw TemplateError.undefinedError(u) }
                if let u = v.firstUndefined { throw TemplateError.undefinedError(u) }
                return v
            } catch {
                throw ctx.locate(error)
            }
        }
        let out = try renderToBuffer(scope)
        if out.pieceCount == 1, let piece = out.firstPiece {
            if case .string = piece { return .string(out.string) }
            if let u = piece.firstUndefined {
                throw TemplateError.undefinedError(u)
            }
            return piece
        }
        return .string(out.string)
    }
}

/// A compiled bare expression.
public struct Expression: Sendable {
    public let source: String
    let expr: Expr
    let name: String
    let environment: Environment

    /// The expression's value; an undefined result comes back as `.undefined` (truthiness tests may want it).
    /// With `renderingConstantTemplates`, a string constant holding template syntax is rendered first
    /// (`"dude" == "du{{ 'de' }}"` holds), as ansible-core evaluates a conditional expression.
    public func evaluate(_ scope: VariableScope, renderingConstantTemplates: Bool = false) throws -> Value {
        let ctx = RenderContext(environment: environment, scope: scope, templateName: name)
        ctx.line = 1
        ctx.rendersConstantTemplates = renderingConstantTemplates
        do {
            return try ctx.eval(expr, Frame(parent: nil))
        } catch {
            throw ctx.locate(error)
        }
    }

    public func evaluate(_ variables: [String: Value]) throws -> Value {
        try evaluate(DictionaryScope(variables: variables))
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
