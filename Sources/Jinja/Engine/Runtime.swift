import Foundation

/// One level of the scope chain: a `for` body, a macro call, a `with` block, or a template's top level.
final class Frame {
    var vars: FrameVars
    let parent: Frame?
    /// A root that must not see the render's variables (an import without context).
    let isolated: Bool

    init(parent: Frame?, isolated: Bool = false, capacity: Int = 4) {
        self.parent = parent
        self.isolated = isolated
        self.vars = FrameVars(capacity: capacity)
    }

    var root: Frame {
        var f = self
        while let p = f.parent { f = p }
        return f
    }
}

enum LoopSignal { case none, breakLoop, continueLoop }

/// The mutable state of one render: output buffer, where we are (for errors), and the variables.
final class RenderContext {
    let environment: Environment
    let scope: VariableScope?
    let filters: [String: Filter]
    let globals: [String: Value]
    let inlinesDefault: Bool
    /// Top-level variables already asked of the scope, by symbol id (misses are cached as undefined).
    var globalCache: [Value?] = []
    /// Filters already resolved in this render, by the symbol id of their name.
    var filterCache: [Filter?] = []
    /// The keyword names of the call being made, in source order (macros keep `kwargs` in that order).
    var keywordOrder: [String] = []
    var templateName: String
    var line: Int = 0
    var loopSignal: LoopSignal = .none
    /// String constants that hold template syntax are rendered (a conditional expression's, as ansible-core's).
    var rendersConstantTemplates = false
    /// Block bodies by name, the most derived template first (for `extends` and `super()`).
    var blocks: [String: [(Template, [Node])]] = [:]
    var depth = 0
    /// Nested macro calls; bounded so a runaway recursion is an error, not a crash.
    var callDepth = 0
    static let maxCallDepth = 100
    /// Frames that macros close over, owned here for the render's lifetime (macros hold them weakly).
    private var framesWithMacros: [Frame] = []

    func keepAlive(_ frame: Frame) {
        if framesWithMacros.last !== frame { framesWithMacros.append(frame) }
    }
    /// The thread's lowest stack address, looked up once the render first nests deeply (0: unknown).
    var stackLowerBound: UInt?

    init(environment: Environment, scope: VariableScope?, templateName: String) {
        self.environment = environment
        self.scope = scope
        self.filters = environment.filterTable
        self.globals = environment.globals
        self.inlinesDefault = !environment.defaultFilterReplaced
        self.templateName = templateName
    }

    /// Fills in where an error without a location happened.
    func locate(_ error: Error, line: Int? = nil) -> Error {
        let line = line ?? self.line
        if var e = error as? TemplateError {
            if e.line == 0 { e.line = line }
            if e.templateName.isEmpty { e.templateName = templateName }
            return e
        }
        return TemplateError(.runtime, "\(error)", templateName: templateName, line: line)
    }

    @inline(__always)
    func lookup(_ symbol: Symbol, _ frame: Frame) throws -> Value {
        var f: Frame? = frame
        var isolated = false
        while let cur = f {
            if let v = cur.vars[symbol] { return v }
            isolated = cur.isolated
            f = cur.parent
        }
        if isolated {
            return globals[symbol.name] ?? .undefined(.variable(symbol.name))
        }
        if symbol.id < globalCache.count, let v = globalCache[symbol.id] { return v }
        var v: Value
        if let scope = scope, let found = try scope.value(named: symbol.name) {
            v = found
        } else {
            v = globals[symbol.name] ?? .undefined(.variable(symbol.name))
        }
        if symbol.id >= globalCache.count {
            globalCache.append(contentsOf: repeatElement(nil, count: symbol.id - globalCache.count + 16))
        }
        globalCache[symbol.id] = v
        return v
    }

    func lookup(_ name: String, _ frame: Frame) throws -> Value {
        try lookup(Symbols.intern(name), frame)
    }
}

/// Reads variables from a plain dictionary.
struct DictionaryScope: VariableScope {
    let variables: [String: Value]
    func value(named name: String) throws -> Value? { variables[name] }
}

// MARK: objects
// These objects are created by one render and used by its thread only; the globals shared between renders
// (range, dict, namespace, ...) hold nothing mutable. Hence @unchecked Sendable.

/// The `loop` variable of a `for` body.
final class LoopObject: TemplateObject, @unchecked Sendable {
    let items: [Value]
    var index0 = 0
    let depth0: Int
    var lastChangedValue: Value?
    /// Set for `recursive` loops: renders the loop body over other items.
    var recurse: ((Value) throws -> Value)?

    init(items: [Value], depth0: Int) {
        self.items = items
        self.depth0 = depth0
    }

    override var displayName: String { "<LoopContext \(index0 + 1)/\(items.count)>" }
    override var typeName: String { "LoopContext" }
    override var isCallable: Bool { recurse != nil }

    override func call(_ args: [Value], _ kwargs: [String: Value]) throws -> Value {
        guard let recurse = recurse else { return try super.call(args, kwargs) }
        guard args.count == 1 else { throw TemplateError.typeError("loop() takes exactly one argument (\(args.count) given)") }
        return try recurse(args[0])
    }

    override func attribute(_ name: String) -> Value? {
        let n = items.count
        switch name {
        case "index": return .int(index0 + 1)
        case "index0": return .int(index0)
        case "first": return .bool(index0 == 0)
        case "last": return .bool(index0 == n - 1)
        case "length": return .int(n)
        case "revindex": return .int(n - index0)
        case "revindex0": return .int(n - index0 - 1)
        case "depth": return .int(depth0 + 1)
        case "depth0": return .int(depth0)
        case "previtem": return index0 > 0 ? items[index0 - 1] : .undefined(Undefined("there is no previous item"))
        case "nextitem": return index0 + 1 < n ? items[index0 + 1] : .undefined(Undefined("there is no next item"))
        case "cycle", "changed": return .object(BoundMethod(receiver: .object(self), name: name))
        default: return nil
        }
    }

    func callMethod(_ name: String, _ args: [Value]) throws -> Value? {
        switch name {
        case "cycle":
            guard !args.isEmpty else { throw TemplateError.typeError("no items for cycling given") }
            return args[index0 % args.count]
        case "changed":
            let value: Value = args.count == 1 ? args[0] : .tuple(args)
            if let last = lastChangedValue, last.pythonEquals(value) { return .bool(false) }
            lastChangedValue = value
            return .bool(true)
        default:
            return nil
        }
    }
}

/// A method looked up but not yet called, e.g. `loop.cycle` passed around.
final class BoundMethod: TemplateObject, @unchecked Sendable {
    let receiver: Value
    let name: String
    init(receiver: Value, name: String) {
        self.receiver = receiver
        self.name = name
    }
    override var displayName: String { "<built-in method \(name) of \(receiver.pythonTypeName) object>" }
    override var typeName: String { "builtin_function_or_method" }
    override var isCallable: Bool { true }
    override func call(_ args: [Value], _ kwargs: [String: Value]) throws -> Value {
        try callMethod(on: receiver, name, args, kwargs)
    }
}

/// A function the environment provides (range, dict, namespace, cycler, joiner).
final class NativeFunction: TemplateObject, @unchecked Sendable {
    let name: String
    let body: ([Value], [String: Value]) throws -> Value
    init(_ name: String, _ body: @escaping ([Value], [String: Value]) throws -> Value) {
        self.name = name
        self.body = body
    }
    override var displayName: String { "<function \(name)>" }
    override var typeName: String { "function" }
    override var isCallable: Bool { true }
    override func call(_ args: [Value], _ kwargs: [String: Value]) throws -> Value { try body(args, kwargs) }
}

/// A function that also receives the variables of the render calling it (see `Environment.registerScopedFunction`).
final class ScopedFunction: TemplateObject, @unchecked Sendable {
    let name: String
    let body: ScopedFunctionBody
    /// Its string arguments but the first, written as constants, are templates (see `registerScopedFunction`).
    let rendersConstantArguments: Bool
    init(_ name: String, rendersConstantArguments: Bool = false, _ body: @escaping ScopedFunctionBody) {
        self.name = name
        self.rendersConstantArguments = rendersConstantArguments
        self.body = body
    }
    override var displayName: String { "<function \(name)>" }
    override var typeName: String { "function" }
    override var isCallable: Bool { true }
    override func call(_ args: [Value], _ kwargs: [String: Value]) throws -> Value { try body(args, kwargs, nil) }
}

/// `namespace()`: the one mutable object templates have, so a loop can carry a value out.
final class NamespaceObject: TemplateObject, @unchecked Sendable {
    var values: [String: Value]
    init(_ values: [String: Value]) { self.values = values }
    override var displayName: String { "<Namespace \(values)>" }
    override var typeName: String { "Namespace" }
    override func attribute(_ name: String) -> Value? { values[name] }
}

/// `cycler(a, b)`: `next()` walks the items round and round.
final class CyclerObject: TemplateObject, @unchecked Sendable {
    let items: [Value]
    var position = 0
    init(_ items: [Value]) { self.items = items }
    override var typeName: String { "Cycler" }
    override func attribute(_ name: String) -> Value? {
        switch name {
        case "current": return items.isEmpty ? .none : items[position]
        case "next", "reset": return .object(BoundMethod(receiver: .object(self), name: name))
        default: return nil
        }
    }
}

/// `joiner(sep)`: empty on the first call, then the separator.
final class JoinerObject: TemplateObject, @unchecked Sendable {
    let separator: String
    var used = false
    init(_ separator: String) { self.separator = separator }
    override var typeName: String { "Joiner" }
    override var isCallable: Bool { true }
    override func call(_ args: [Value], _ kwargs: [String: Value]) throws -> Value {
        if !used { used = true; return .string("") }
        return .string(separator)
    }
}

/// `self`: each block of the template as a function, so `{{ self.title() }}` repeats a block.
final class BlockReferences: TemplateObject, @unchecked Sendable {
    weak var context: RenderContext?
    let frame: Frame
    init(context: RenderContext, frame: Frame) {
        self.context = context
        self.frame = frame
    }
    override var displayName: String { "<TemplateReference>" }
    override var typeName: String { "TemplateReference" }
    override func attribute(_ name: String) -> Value? {
        guard let ctx = context, let chain = ctx.blocks[name], let first = chain.first else { return nil }
        let frame = self.frame
        return .object(NativeFunction(name) { [weak ctx] _, _ in
            guard let ctx = ctx else { return .string("") }
            return try ctx.captureValue { try ctx.renderBlock(name, fallback: first, frame: frame, level: 0, &$0) }
        })
    }
}

/// The names an `import` brought in.
final class ModuleObject: TemplateObject, @unchecked Sendable {
    let templateName: String
    let exports: [String: Value]
    init(templateName: String, exports: [String: Value]) {
        self.templateName = templateName
        self.exports = exports
    }
    override var displayName: String { "<TemplateModule '\(templateName)'>" }
    override var typeName: String { "TemplateModule" }
    override func attribute(_ name: String) -> Value? { exports[name] }
}

/// A `{% macro %}` (or the `caller` of a `{% call %}` block) bound to the scope it was defined in.
final class MacroObject: TemplateObject, @unchecked Sendable {
    let node: MacroNode
    // Weak: the frame holds this macro, so a strong reference would leak both. The render keeps it alive.
    weak var closure: Frame?
    weak var context: RenderContext?
    let template: Template

    init(node: MacroNode, closure: Frame, context: RenderContext, template: Template) {
        self.node = node
        self.closure = closure
        context.keepAlive(closure)
        self.context = context
        self.template = template
    }

    override var displayName: String { "<Macro '\(node.name)'>" }
    override var typeName: String { "Macro" }
    override var isCallable: Bool { true }

    override func attribute(_ name: String) -> Value? {
        switch name {
        case "name": return .string(node.name)
        case "arguments": return .tuple(node.parameters.map { .string($0.0.name) })
        case "catch_kwargs": return .bool(node.catchesKwargs)
        case "catch_varargs": return .bool(node.catchesVarargs)
        case "caller": return .bool(node.usesCaller)
        default: return nil
        }
    }

    override func call(_ args: [Value], _ kwargs: [String: Value]) throws -> Value {
        guard let ctx = context else {
            throw TemplateError(.runtime, "macro '\(node.name)' was called after its template finished rendering", templateName: node.templateName, line: node.line)
        }
        return try ctx.callMacro(self, args, kwargs)
    }
}
