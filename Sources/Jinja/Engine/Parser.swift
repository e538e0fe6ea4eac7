// Builds the node tree from tokens, with Jinja2's grammar, precedence and error messages.

struct Parser {
    var tokens: [LexedToken]
    var index = 0
    let name: String
    var tagStack: [String] = []
    var endTokenStack: [[String]] = []
    var referencedNames: [Set<String>] = []
    /// How deeply blocks and expressions nest; bounded so hostile input cannot overflow the stack.
    var nesting = 0
    static let maxNesting = 100

    mutating func enterNesting() throws {
        nesting += 1
        if nesting > Parser.maxNesting {
            throw fail("template nests blocks or expressions more than \(Parser.maxNesting) levels deep")
        }
    }

    init(tokens: [LexedToken], name: String) {
        self.tokens = tokens
        self.name = name
    }

    var current: Token { tokens[index].token }
    var line: Int { tokens[index].line }
    func peek(_ n: Int = 1) -> Token { tokens[min(index + n, tokens.count - 1)].token }

    mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    func fail(_ message: String, line: Int? = nil) -> TemplateError {
        TemplateError(.syntax, message, templateName: name, line: line ?? self.line)
    }

    func isName(_ n: String) -> Bool { if case .name(n) = current { return true }; return false }
    func isOp(_ o: String) -> Bool { if case .op(o) = current { return true }; return false }

    mutating func skipName(_ n: String) -> Bool { if isName(n) { advance(); return true }; return false }
    mutating func skipOp(_ o: String) -> Bool { if isOp(o) { advance(); return true }; return false }

    mutating func expectOp(_ o: String) throws {
        guard skipOp(o) else { throw unexpected(expected: o) }
    }

    mutating func expectName(_ n: String) throws {
        guard skipName(n) else { throw unexpected(expected: n) }
    }

    func unexpected(expected: String? = nil) -> TemplateError {
        if case .eof = current {
            return fail("unexpected end of template, expected '\(expected ?? "end of template")'.")
        }
        if let expected = expected {
            return fail("expected token '\(expected)', got '\(current.describe)'")
        }
        return fail("unexpected '\(current.describe)'")
    }

    mutating func expectBlockEnd() throws {
        guard case .blockEnd = current else { throw unexpected(expected: "end of statement block") }
        advance()
    }

    mutating func identifier() throws -> String {
        guard case .name(let n) = current else { throw unexpected(expected: "name") }
        advance()
        return n
    }

    // MARK: templates and statements

    mutating func parseTemplate() throws -> [Node] {
        let body = try subparse(endTokens: nil)
        return body
    }

    /// Parses until one of `endTokens` is the next tag name (left unconsumed, after `{%`).
    mutating func subparse(endTokens: [String]?) throws -> [Node] {
        var body: [Node] = []
        try enterNesting()
        if let e = endTokens { endTokenStack.append(e) }
        defer {
            if endTokens != nil { endTokenStack.removeLast() }
            nesting -= 1
        }
        while true {
            switch current {
            case .data(let text):
                body.append(.text(text))
                advance()
            case .varBegin:
                let l = line
                advance()
                let e = try parseTuple()
                guard case .varEnd = current else { throw unexpected(expected: "end of print statement") }
                advance()
                body.append(.output(e, line: l))
            case .blockBegin:
                advance()
                if let e = endTokens, case .name(let n) = current, e.contains(n) { return body }
                body.append(contentsOf: try parseStatement())
            case .eof:
                if endTokens != nil { throw failUnknownTag(nil) }
                return body
            default:
                throw unexpected()
            }
        }
    }

    func failUnknownTag(_ tag: String?) -> TemplateError {
        var expected = Set<String>()
        for e in endTokenStack { expected.formUnion(e) }
        var message = [tag == nil ? "Unexpected end of template." : "Encountered unknown tag '\(tag!)'."]
        if let looking = endTokenStack.last {
            let list = looking.map { "'\($0)'" }.joined(separator: " or ")
            if let t = tag, expected.contains(t) {
                message.append("You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for \(list).")
            } else {
                message.append("Jinja was looking for the following tags: \(list).")
            }
        }
        if let inner = tagStack.last { message.append("The innermost block that needs to be closed is '\(inner)'.") }
        return fail(message.joined(separator: " "))
    }

    mutating func parseStatement() throws -> [Node] {
        guard case .name(let tag) = current else {
            if case .eof = current { throw fail("unexpected end of template, expected 'tag name'.") }
            throw fail("tag name expected")
        }
        let l = line
        let known = ["for", "if", "set", "macro", "call", "filter", "include", "import", "from", "extends", "block", "with", "print", "raw", "break", "continue", "do"]
        guard known.contains(tag) else { throw failUnknownTag(tag) }
        tagStack.append(tag)
        defer { tagStack.removeLast() }
        advance()
        switch tag {
        case "if": return [try parseIf(line: l)]
        case "for": return [try parseFor(line: l)]
        case "set": return [try parseSet(line: l)]
        case "macro": return [try parseMacro(line: l)]
        case "call": return [try parseCallBlock(line: l)]
        case "filter": return [try parseFilterBlock(line: l)]
        case "include": return [try parseInclude(line: l)]
        case "import": return [try parseImport(line: l)]
        case "from": return [try parseFromImport(line: l)]
        case "extends":
            let e = try parseExpression()
            try expectBlockEnd()
            return [.extends(e, line: l)]
        case "block": return [try parseBlock(line: l)]
        case "with": return [try parseWith(line: l)]
        case "print":
            let e = try parseTuple()
            try expectBlockEnd()
            return [.output(e, line: l)]
        case "do":
            let e = try parseTuple()
            try expectBlockEnd()
            return [.set(.name(Symbols.intern("_")), e, line: l)]
        case "break", "continue":
            try expectBlockEnd()
            return [.loopControl(isBreak: tag == "break", line: l)]
        default:
            throw failUnknownTag(tag)
        }
    }

    mutating func parseIf(line l: Int) throws -> Node {
        var branches: [(Expr, [Node])] = []
        var elseBody: [Node] = []
        var cond = try parseTuple(withCondExpr: false)
        while true {
            try expectBlockEnd()
            let body = try subparse(endTokens: ["elif", "else", "endif"])
            branches.append((cond, body))
            let tag = try identifier()
            if tag == "elif" {
                cond = try parseTuple(withCondExpr: false)
                continue
            }
            if tag == "else" {
                try expectBlockEnd()
                elseBody = try subparse(endTokens: ["endif"])
                advance()
            }
            break
        }
        try expectBlockEnd()
        return .conditional(branches, elseBody: elseBody, line: l)
    }

    mutating func parseAssignTarget(extraEnd: [String] = [], allowTuple: Bool = true) throws -> AssignTarget {
        var targets: [AssignTarget] = []
        var isTuple = false
        while true {
            if !targets.isEmpty {
                guard skipOp(",") else { break }
                isTuple = true
            }
            if case .name(let n) = current, extraEnd.contains(n) { break }
            if case .blockEnd = current { break }
            if isOp("=") || isOp(")") { break }
            if skipOp("(") {
                let inner = try parseAssignTarget(extraEnd: extraEnd)
                try expectOp(")")
                targets.append(inner)
            } else {
                guard case .name = current else {
                    if case .int = current { throw fail("can't assign to 'const'") }
                    if case .float = current { throw fail("can't assign to 'const'") }
                    if case .string = current { throw fail("can't assign to 'const'") }
                    throw fail("Expected an expression, got '\(current.describe)'")
                }
                let n = try identifier()
                if skipOp(".") {
                    let attr = try identifier()
                    targets.append(.attribute(n, attr))
                } else {
                    targets.append(.name(Symbols.intern(n)))
                }
            }
            if !allowTuple { break }
        }
        if targets.isEmpty { throw fail("Expected an expression, got '\(current.describe)'") }
        return isTuple ? .tuple(targets) : targets[0]
    }

    mutating func parseFor(line l: Int) throws -> Node {
        let target = try parseAssignTarget(extraEnd: ["in"])
        try expectName("in")
        let iterable = try parseTuple(withCondExpr: false, extraEnd: ["recursive"])
        var condition: Expr?
        if skipName("if") { condition = try parseExpression() }
        let recursive = skipName("recursive")
        try expectBlockEnd()
        let body = try subparse(endTokens: ["endfor", "else"])
        var elseBody: [Node] = []
        if try identifier() == "else" {
            try expectBlockEnd()
            elseBody = try subparse(endTokens: ["endfor"])
            advance()
        }
        try expectBlockEnd()
        return .forLoop(ForLoopNode(target: target, iterable: iterable, condition: condition, body: body, elseBody: elseBody, recursive: recursive, line: l))
    }

    mutating func parseSet(line l: Int) throws -> Node {
        let target = try parseAssignTarget()
        if skipOp("=") {
            let value = try parseTuple()
            try expectBlockEnd()
            return .set(target, value, line: l)
        }
        var filters: [(String, Arguments)] = []
        while skipOp("|") { filters.append(try parseFilterCall()) }
        try expectBlockEnd()
        let body = try subparse(endTokens: ["endset"])
        advance()
        try expectBlockEnd()
        return .setBlock(target, body, filters: filters, line: l)
    }

    mutating func parseFilterCall() throws -> (String, Arguments) {
        var n = try identifier()
        while skipOp(".") { n += "." + (try identifier()) }
        var args = Arguments()
        if isOp("(") { args = try parseCallArguments() }
        return (n, args)
    }

    mutating func parseFilterBlock(line l: Int) throws -> Node {
        var filters: [(String, Arguments)] = [try parseFilterCall()]
        while skipOp("|") { filters.append(try parseFilterCall()) }
        try expectBlockEnd()
        let body = try subparse(endTokens: ["endfilter"])
        advance()
        try expectBlockEnd()
        return .filterBlock(body, filters: filters, line: l)
    }

    mutating func parseSignature() throws -> [(Symbol, Expr?)] {
        var params: [(Symbol, Expr?)] = []
        try expectOp("(")
        while !isOp(")") {
            if !params.isEmpty { try expectOp(",") }
            if isOp(")") { break }
            let n = try identifier()
            var def: Expr?
            if skipOp("=") { def = try parseExpression() }
            else if params.contains(where: { $0.1 != nil }) { throw fail("non-default argument follows default argument") }
            params.append((Symbols.intern(n), def))
        }
        advance()
        return params
    }

    mutating func parseMacroBody(name macroName: String, parameters: [(Symbol, Expr?)], endTag: String, line l: Int) throws -> MacroNode {
        referencedNames.append([])
        let body = try subparse(endTokens: [endTag])
        let refs = referencedNames.removeLast()
        if !referencedNames.isEmpty { referencedNames[referencedNames.count - 1].formUnion(refs) }
        advance()
        try expectBlockEnd()
        return MacroNode(name: macroName, parameters: parameters, body: body,
                         catchesVarargs: refs.contains("varargs"), catchesKwargs: refs.contains("kwargs"),
                         usesCaller: refs.contains("caller"), templateName: name, line: l)
    }

    mutating func parseMacro(line l: Int) throws -> Node {
        let macroName = try identifier()
        let params = try parseSignature()
        try expectBlockEnd()
        return .macro(try parseMacroBody(name: macroName, parameters: params, endTag: "endmacro", line: l))
    }

    mutating func parseCallBlock(line l: Int) throws -> Node {
        let params = isOp("(") ? try parseSignature() : []
        let callExpr = try parseExpression()
        switch callExpr {
        case .call, .methodCall: break
        default: throw fail("expected call")
        }
        try expectBlockEnd()
        return .callBlock(try parseMacroBody(name: "caller", parameters: params, endTag: "endcall", line: l), call: callExpr, line: l)
    }

    mutating func parseContextModifier(default def: Bool) throws -> Bool {
        if isName("with") || isName("without"), case .name("context") = peek() {
            let with = isName("with")
            advance(); advance()
            return with
        }
        return def
    }

    mutating func parseInclude(line l: Int) throws -> Node {
        let template = try parseExpression()
        var ignoreMissing = false
        if isName("ignore"), case .name("missing") = peek() { advance(); advance(); ignoreMissing = true }
        let withContext = try parseContextModifier(default: true)
        try expectBlockEnd()
        return .include(template, ignoreMissing: ignoreMissing, withContext: withContext, line: l)
    }

    mutating func parseImport(line l: Int) throws -> Node {
        let template = try parseExpression()
        try expectName("as")
        let alias = try identifier()
        let withContext = try parseContextModifier(default: false)
        try expectBlockEnd()
        return .importAs(template, alias: alias, withContext: withContext, line: l)
    }

    mutating func parseFromImport(line l: Int) throws -> Node {
        let template = try parseExpression()
        try expectName("import")
        var names: [(String, String)] = []
        var withContext = false
        while true {
            if !names.isEmpty { guard skipOp(",") else { break } }
            if isName("with") || isName("without"), case .name("context") = peek() {
                withContext = try parseContextModifier(default: false)
                break
            }
            if case .blockEnd = current { break }
            let n = try identifier()
            if n.hasPrefix("_") { throw fail("names starting with an underline can not be imported") }
            var alias = n
            if skipName("as") { alias = try identifier() }
            names.append((n, alias))
        }
        try expectBlockEnd()
        return .fromImport(template, names: names, withContext: withContext, line: l)
    }

    mutating func parseBlock(line l: Int) throws -> Node {
        let blockName = try identifier()
        var scoped = false
        while case .name(let n) = current, n == "scoped" || n == "required" {
            if n == "scoped" { scoped = true }
            advance()
        }
        try expectBlockEnd()
        let body = try subparse(endTokens: ["endblock"])
        advance()
        _ = skipName(blockName)  // `{% endblock name %}` may repeat the block's name
        try expectBlockEnd()
        return .block(blockName, body, scoped: scoped, line: l)
    }

    mutating func parseWith(line l: Int) throws -> Node {
        var assignments: [(AssignTarget, Expr)] = []
        while true {
            if case .blockEnd = current { break }
            if !assignments.isEmpty { try expectOp(",") }
            let target = try parseAssignTarget(allowTuple: false)
            try expectOp("=")
            assignments.append((target, try parseExpression()))
        }
        try expectBlockEnd()
        let body = try subparse(endTokens: ["endwith"])
        advance()
        try expectBlockEnd()
        return .with(assignments, body, line: l)
    }
}
