// Jinja2 rejects an unknown filter or test when it compiles the template, unless it sits inside an
// `if` (where it may be guarded); a typo then fails before anything renders.

struct FilterCheck {
    let environment: Environment
    let templateName: String

    func check(_ nodes: [Node]) throws {
        for node in nodes { try check(node) }
    }

    private func check(_ node: Node) throws {
        switch node {
        case .text, .conditional, .extends, .loopControl:
            // The body of an if is checked when it runs, as Jinja2 does.
            return
        case .macro(let m):
            try check(m)
        case .callBlock(let m, let call, let l):
            try check(m)
            try check(call, line: l)
        case .output(let e, let l): try check(e, line: l)
        case .forLoop(let f):
            try check(f.iterable, line: f.line)
            if let c = f.condition { try check(c, line: f.line) }
            try check(f.body)
            try check(f.elseBody)
        case .set(_, let e, let l): try check(e, line: l)
        case .setBlock(_, let body, let filters, let l), .filterBlock(let body, let filters, let l):
            for (name, _) in filters { try checkFilter(name, line: l) }
            try check(body)
        case .include(let e, _, _, let l), .importAs(let e, _, _, let l), .fromImport(let e, _, _, let l):
            try check(e, line: l)
        case .block(_, let body, _, _): try check(body)
        case .with(let assignments, let body, let l):
            for (_, e) in assignments { try check(e, line: l) }
            try check(body)
        }
    }

    private func check(_ m: MacroNode) throws {
        for (_, d) in m.parameters { if let d = d { try check(d, line: m.line) } }
        try check(m.body)
    }

    private func checkFilter(_ name: String, line: Int) throws {
        if environment.filter(named: name) == nil {
            throw TemplateError(.syntax, "No filter named '\(name)'.", templateName: templateName, line: line)
        }
    }

    private func check(_ e: Expr, line: Int) throws {
        switch e {
        case .literal, .name: return
        case .attribute(let x, _), .negate(let x), .plus(let x), .not(let x): try check(x, line: line)
        case .item(let a, let b), .binary(_, let a, let b), .and(let a, let b), .or(let a, let b):
            try check(a, line: line); try check(b, line: line)
        case .slice(let a, let b, let c, let d):
            try check(a, line: line)
            for x in [b, c, d] { if let x = x { try check(x, line: line) } }
        case .compare(let first, let rest):
            try check(first, line: line)
            for (_, x) in rest { try check(x, line: line) }
        case .concat(let items), .list(let items), .tuple(let items):
            for x in items { try check(x, line: line) }
        case .conditional(let c, let a, let b):
            // The branches of an inline if may be guarded, like an if block.
            try check(c, line: line)
            _ = (a, b)
        case .dict(let pairs):
            for (k, v) in pairs { try check(k, line: line); try check(v, line: line) }
        case .call(let x, let args), .methodCall(let x, _, let args):
            try check(x, line: line)
            try check(args, line: line)
        case .filter(let x, let name, let args, let l):
            try check(x, line: line)
            try check(args, line: line)
            try checkFilter(name.name, line: l)
        case .test(let x, let name, let args, _, let l):
            try check(x, line: line)
            try check(args, line: line)
            if environment.test(named: name) == nil {
                throw TemplateError(.syntax, "No test named '\(name)'.", templateName: templateName, line: l)
            }
        }
    }

    private func check(_ args: Arguments, line: Int) throws {
        for x in args.positional { try check(x, line: line) }
        for (_, x) in args.keyword { try check(x, line: line) }
        for x in [args.unpackedPositional, args.unpackedKeyword].compactMap({ $0 }) { try check(x, line: line) }
    }
}
