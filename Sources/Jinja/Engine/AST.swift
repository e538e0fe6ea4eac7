// The compiled form of a template: a tree built once by the parser and walked by the renderer.

enum BinaryOperator: String, Sendable {
    case add = "+", sub = "-", mul = "*", div = "/", floorDiv = "//", mod = "%", pow = "**"
}

enum CompareOperator: String, Sendable {
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">=", isIn = "in", notIn = "not in"
}

struct Arguments: Sendable {
    var positional: [Expr] = []
    var keyword: [(String, Expr)] = []
    /// `*items`: its values follow the positional arguments (Python's order, wherever it is written).
    var unpackedPositional: Expr?
    /// `**mapping`: its keys join the keyword arguments.
    var unpackedKeyword: Expr?
    var isEmpty: Bool { positional.isEmpty && keyword.isEmpty && !isUnpacking }
    var isUnpacking: Bool { unpackedPositional != nil || unpackedKeyword != nil }
}

indirect enum Expr: Sendable {
    case literal(Value)
    case name(Symbol)
    case attribute(Expr, String)
    case item(Expr, Expr)
    case slice(Expr, Expr?, Expr?, Expr?)
    case negate(Expr)
    case plus(Expr)
    case binary(BinaryOperator, Expr, Expr)
    case and(Expr, Expr)
    case or(Expr, Expr)
    case not(Expr)
    case compare(Expr, [(CompareOperator, Expr)])
    case concat([Expr])
    case conditional(Expr, Expr, Expr?)
    case list([Expr])
    case tuple([Expr])
    case dict([(Expr, Expr)])
    case call(Expr, Arguments)
    case methodCall(Expr, String, Arguments)
    case filter(Expr, Symbol, Arguments, line: Int)
    case test(Expr, String, Arguments, negated: Bool, line: Int)
}

/// Where a `for` or `set` puts values: one name or a tuple of names.
enum AssignTarget: Sendable {
    case name(Symbol)
    case tuple([AssignTarget])
    case attribute(String, String)  // namespace attribute: `ns.x`
}

final class ForLoopNode: Sendable {
    let target: AssignTarget
    let iterable: Expr
    let condition: Expr?
    let body: [Node]
    let elseBody: [Node]
    /// `{% for x in tree recursive %}`: the body may call `loop(children)`.
    let recursive: Bool
    let line: Int
    init(target: AssignTarget, iterable: Expr, condition: Expr?, body: [Node], elseBody: [Node], recursive: Bool, line: Int) {
        self.target = target; self.iterable = iterable; self.condition = condition
        self.body = body; self.elseBody = elseBody; self.recursive = recursive; self.line = line
    }
}

final class MacroNode: Sendable {
    let name: String
    let parameters: [(Symbol, Expr?)]
    let body: [Node]
    let catchesVarargs: Bool
    let catchesKwargs: Bool
    let usesCaller: Bool
    let templateName: String
    let line: Int
    init(name: String, parameters: [(Symbol, Expr?)], body: [Node], catchesVarargs: Bool, catchesKwargs: Bool, usesCaller: Bool, templateName: String, line: Int) {
        self.name = name; self.parameters = parameters; self.body = body
        self.catchesVarargs = catchesVarargs; self.catchesKwargs = catchesKwargs; self.usesCaller = usesCaller
        self.templateName = templateName; self.line = line
    }
}

indirect enum Node: Sendable {
    case text(String)
    case output(Expr, line: Int)
    case conditional([(Expr, [Node])], elseBody: [Node], line: Int)
    case forLoop(ForLoopNode)
    case set(AssignTarget, Expr, line: Int)
    case setBlock(AssignTarget, [Node], filters: [(String, Arguments)], line: Int)
    case macro(MacroNode)
    case callBlock(MacroNode, call: Expr, line: Int)
    case filterBlock([Node], filters: [(String, Arguments)], line: Int)
    case include(Expr, ignoreMissing: Bool, withContext: Bool, line: Int)
    case importAs(Expr, alias: String, withContext: Bool, line: Int)
    case fromImport(Expr, names: [(String, String)], withContext: Bool, line: Int)
    case extends(Expr, line: Int)
    case block(String, [Node], scoped: Bool, line: Int)
    case with([(AssignTarget, Expr)], [Node], line: Int)
    case loopControl(isBreak: Bool, line: Int)
}

extension Node {
    /// The line the statement starts on, for error messages.
    var line: Int {
        switch self {
        case .text: return 0
        case .output(_, let l), .conditional(_, _, let l), .set(_, _, let l), .setBlock(_, _, _, let l),
             .callBlock(_, _, let l), .filterBlock(_, _, let l), .include(_, _, _, let l), .importAs(_, _, _, let l),
             .fromImport(_, _, _, let l), .extends(_, let l), .block(_, _, _, let l), .with(_, _, let l),
             .loopControl(_, let l):
            return l
        case .forLoop(let f): return f.line
        case .macro(let m): return m.line
        }
    }
}
