// Jinja2's expression grammar, lowest precedence first: conditional, or, and, not, comparison,
// + -, ~, * / // %, **, unary, then primary with postfix (. [] ()), filters (|) and tests (is).

extension Parser {
    mutating func parseExpression(withCondExpr: Bool = true) throws -> Expr {
        try enterNesting()
        defer { nesting -= 1 }
        let e = try parseOr()
        guard withCondExpr, isName("if") else { return e }
        return try parseCondExpr(e)
    }

    mutating func parseCondExpr(_ first: Expr) throws -> Expr {
        var expr = first
        while skipName("if") {
            let cond = try parseOr()
            var elseExpr: Expr?
            if skipName("else") { elseExpr = try parseOr() }
            expr = .conditional(cond, expr, elseExpr)
            if elseExpr != nil, !isName("if") { break }
        }
        return expr
    }

    /// An expression or a comma-separated tuple of them (as `{{ }}`, `set` and `for ... in` allow).
    mutating func parseTuple(withCondExpr: Bool = true, extraEnd: [String] = []) throws -> Expr {
        var items: [Expr] = []
        var isTuple = false
        while true {
            if !items.isEmpty {
                guard skipOp(",") else { break }
                isTuple = true
            }
            if isTupleEnd(extraEnd) { break }
            items.append(withCondExpr ? try parseExpression() : try parseOr())
        }
        if items.isEmpty {
            if isTuple { return .tuple([]) }
            throw fail("Expected an expression, got '\(current.describe)'")
        }
        return isTuple ? .tuple(items) : items[0]
    }

    func isTupleEnd(_ extraEnd: [String]) -> Bool {
        switch current {
        case .varEnd, .blockEnd, .eof: return true
        case .op(let o): return o == ")" || o == "]" || o == "}" || o == "="
        case .name(let n): return extraEnd.contains(n)
        default: return false
        }
    }

    /// Left-associative chains build deep trees without nesting in the source; bound them like nesting.
    mutating func chainStep(_ count: inout Int) throws {
        count += 1
        if count > Parser.maxNesting {
            throw fail("expression chains more than \(Parser.maxNesting) operators, filters or attribute lookups")
        }
    }

    mutating func parseOr() throws -> Expr {
        var left = try parseAnd()
        var chain = 0
        while skipName("or") { try chainStep(&chain); left = .or(left, try parseAnd()) }
        return left
    }

    mutating func parseAnd() throws -> Expr {
        var left = try parseNot()
        var chain = 0
        while skipName("and") { try chainStep(&chain); left = .and(left, try parseNot()) }
        return left
    }

    mutating func parseNot() throws -> Expr {
        if skipName("not") { return .not(try parseNot()) }
        return try parseCompare()
    }

    mutating func parseCompare() throws -> Expr {
        let first = try parseMath1()
        var ops: [(CompareOperator, Expr)] = []
        var chain = 0
        while true {
            try chainStep(&chain)
            if case .op(let o) = current, let op = CompareOperator(rawValue: o), o != "in" {
                advance()
                ops.append((op, try parseMath1()))
            } else if skipName("in") {
                ops.append((.isIn, try parseMath1()))
            } else if isName("not"), case .name("in") = peek() {
                advance(); advance()
                ops.append((.notIn, try parseMath1()))
            } else {
                break
            }
        }
        return ops.isEmpty ? first : .compare(first, ops)
    }

    mutating func parseMath1() throws -> Expr {
        var left = try parseConcat()
        var chain = 0
        while case .op(let o) = current, o == "+" || o == "-" {
            try chainStep(&chain)
            advance()
            left = .binary(o == "+" ? .add : .sub, left, try parseConcat())
        }
        return left
    }

    mutating func parseConcat() throws -> Expr {
        var items = [try parseMath2()]
        while skipOp("~") { items.append(try parseMath2()) }
        return items.count == 1 ? items[0] : .concat(items)
    }

    mutating func parseMath2() throws -> Expr {
        var left = try parsePow()
        var chain = 0
        while case .op(let o) = current, o == "*" || o == "/" || o == "//" || o == "%" {
            try chainStep(&chain)
            advance()
            left = .binary(BinaryOperator(rawValue: o)!, left, try parsePow())
        }
        return left
    }

    mutating func parsePow() throws -> Expr {
        var left = try parseUnary()
        var chain = 0
        while skipOp("**") { try chainStep(&chain); left = .binary(.pow, left, try parseUnary()) }
        return left
    }

    mutating func parseUnary(withFilter: Bool = true) throws -> Expr {
        try enterNesting()
        defer { nesting -= 1 }
        var node: Expr
        if skipOp("-") {
            node = .negate(try parseUnary(withFilter: false))
        } else if skipOp("+") {
            node = .plus(try parseUnary(withFilter: false))
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        if withFilter { node = try parseFilterExpr(node) }
        return node
    }

    mutating func parsePrimary() throws -> Expr {
        let tok = current
        switch tok {
        case .name(let n):
            advance()
            switch n {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default:
                for i in referencedNames.indices { referencedNames[i].insert(n) }
                return .name(Symbols.intern(n))
            }
        case .string(let s):
            advance()
            var text = s
            while case .string(let more) = current { text += more; advance() }
            return .literal(.string(text))
        case .int(let i):
            advance()
            return .literal(.int(i))
        case .float(let d):
            advance()
            return .literal(.double(d))
        case .op("("):
            advance()
            if skipOp(")") { return .tuple([]) }
            let e = try parseTuple()
            try expectOp(")")
            return e
        case .op("["):
            advance()
            var items: [Expr] = []
            while !isOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("]") { break }
                items.append(try parseExpression())
            }
            advance()
            return constantFold(.list(items))
        case .op("{"):
            advance()
            var items: [(Expr, Expr)] = []
            while !isOp("}") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("}") { break }
                let k = try parseExpression()
                try expectOp(":")
                items.append((k, try parseExpression()))
            }
            advance()
            return .dict(items)
        default:
            throw unexpected()
        }
    }

    /// A list of literals is built once at compile time rather than on every render.
    func constantFold(_ e: Expr) -> Expr {
        if case .list(let items) = e {
            var values: [Value] = []
            for item in items {
                guard case .literal(let v) = item else { return e }
                values.append(v)
            }
            return .literal(.list(values))
        }
        return e
    }

    mutating func parsePostfix(_ start: Expr) throws -> Expr {
        var node = start
        var chain = 0
        while true {
            try chainStep(&chain)
            if skipOp(".") {
                switch current {
                case .name(let n):
                    advance()
                    if isOp("(") {
                        node = .methodCall(node, n, try parseCallArguments())
                    } else {
                        node = .attribute(node, n)
                    }
                case .int(let i):
                    advance()
                    node = .item(node, .literal(.int(i)))
                default:
                    throw unexpected(expected: "name")
                }
            } else if skipOp("[") {
                node = try parseSubscript(node)
            } else if isOp("(") {
                node = .call(node, try parseCallArguments())
            } else {
                return node
            }
        }
    }

    mutating func parseSubscript(_ target: Expr) throws -> Expr {
        var parts: [Expr?] = []
        var isSlice = false
        var current: Expr?
        if !isOp(":") { current = try parseExpression() }
        if isOp(":") {
            isSlice = true
            parts.append(current)
            while skipOp(":") {
                if isOp(":") || isOp("]") { parts.append(nil) } else { parts.append(try parseExpression()) }
            }
        }
        try expectOp("]")
        if isSlice {
            while parts.count < 3 { parts.append(nil) }
            return .slice(target, parts[0], parts[1], parts[2])
        }
        guard let key = current else { throw unexpected() }
        return .item(target, key)
    }

    mutating func parseCallArguments() throws -> Arguments {
        try expectOp("(")
        var args = Arguments()
        var first = true
        while !isOp(")") {
            if !first { try expectOp(",") }
            first = false
            if isOp(")") { break }
            // Jinja2's rules: `*x` after keywords is allowed, a plain positional one is not, each unpacking once.
            if skipOp("*") {
                guard args.unpackedPositional == nil, args.unpackedKeyword == nil else {
                    throw fail("invalid syntax for function call expression")
                }
                args.unpackedPositional = try parseExpression()
            } else if skipOp("**") {
                guard args.unpackedKeyword == nil else { throw fail("invalid syntax for function call expression") }
                args.unpackedKeyword = try parseExpression()
            } else if case .name(let n) = current, case .op("=") = peek() {
                if args.unpackedKeyword != nil { throw fail("invalid syntax for function call expression") }
                advance(); advance()
                args.keyword.append((n, try parseExpression()))
            } else {
                if !args.keyword.isEmpty || args.isUnpacking {
                    throw fail("positional argument follows keyword argument")
                }
                args.positional.append(try parseExpression())
            }
        }
        advance()
        return args
    }

    mutating func parseFilterExpr(_ start: Expr) throws -> Expr {
        var node = start
        var chain = 0
        while true {
            try chainStep(&chain)
            if isOp("|") {
                let l = line
                advance()
                let (n, args) = try parseFilterCall()
                node = .filter(node, Symbols.intern(n), args, line: l)
            } else if isName("is") {
                let l = line
                advance()
                let negated = skipName("not")
                var testName = try identifier()
                while skipOp(".") { testName += "." + (try identifier()) }
                var args = Arguments()
                if isOp("(") {
                    args = try parseCallArguments()
                } else if startsTestArgument() {
                    var arg = try parsePrimary()
                    arg = try parsePostfix(arg)
                    args.positional = [arg]
                }
                node = .test(node, testName, args, negated: negated, line: l)
            } else if isOp("(") {
                node = .call(node, try parseCallArguments())
            } else {
                return node
            }
        }
    }

    func startsTestArgument() -> Bool {
        switch current {
        case .name(let n): return !["else", "or", "and", "is", "if", "in", "not"].contains(n)
        case .string, .int, .float: return true
        case .op(let o): return o == "[" || o == "{"
        default: return false
        }
    }
}
