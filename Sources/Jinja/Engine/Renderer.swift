// Executes statement nodes into the render's output buffer.

extension RenderContext {
    func renderTemplate(_ template: Template, frame: Frame, _ out: inout OutputBuffer) throws {
        let savedName = templateName
        templateName = template.name
        depth += 1
        if depth > 8 { try checkStackRoom() }
        guard depth < 64 else { throw TemplateError(.runtime, "templates include or extend each other too deeply (64 levels)", templateName: template.name, line: line) }
        let compiled = template.compiled
        if !compiled.blocks.isEmpty, frame.vars[Symbol.selfReference] == nil {
            frame.vars[Symbol.selfReference] = .object(BlockReferences(context: self, frame: frame))
        }
        if compiled.extends {
            try renderExtending(template, frame: frame, &out)
        } else {
            for (name, body) in compiled.blocks where blocks[name] == nil { blocks[name] = [(template, body)] }
            try exec(compiled.nodes, frame, template, &out)
        }
        depth -= 1
        templateName = savedName
    }

    /// A child template: runs its top level for side effects (set, macro, import) without output,
    /// then renders the parent with the child's blocks in front.
    private func renderExtending(_ template: Template, frame: Frame, _ out: inout OutputBuffer) throws {
        for (name, body) in template.compiled.blocks {
            blocks[name, default: []].append((template, body))
        }
        var parentName: Value?
        for node in template.compiled.nodes {
            switch node {
            case .extends(let e, let l):
                line = l
                if parentName == nil { parentName = try eval(e, frame) }
            case .text, .output, .block:
                if parentName == nil { try exec([node], frame, template, &out) }
            default:
                try exec([node], frame, template, &out)
            }
        }
        guard let parent = parentName else { return }
        let parentTemplate = try loadTemplate(parent)
        // The parent's own blocks rank below the child's.
        for (name, body) in parentTemplate.compiled.blocks {
            blocks[name, default: []].append((parentTemplate, body))
        }
        let savedName = templateName
        templateName = parentTemplate.name
        let parentCompiled = parentTemplate.compiled
        if parentCompiled.extends {
            // Blocks are already registered; run the parent's top level the same way.
            var grandparent: Value?
            for node in parentCompiled.nodes {
                switch node {
                case .extends(let e, let l):
                    line = l
                    if grandparent == nil { grandparent = try eval(e, frame) }
                case .text, .output, .block:
                    if grandparent == nil { try exec([node], frame, parentTemplate, &out) }
                default:
                    try exec([node], frame, parentTemplate, &out)
                }
            }
            if let g = grandparent {
                let gt = try loadTemplate(g)
                for (name, body) in gt.compiled.blocks { blocks[name, default: []].append((gt, body)) }
                templateName = gt.name
                try exec(gt.compiled.nodes, frame, gt, &out)
            }
        } else {
            try exec(parentCompiled.nodes, frame, parentTemplate, &out)
        }
        templateName = savedName
    }

    func loadTemplate(_ nameValue: Value) throws -> Template {
        switch nameValue {
        case .string(let n):
            do {
                return try environment.template(named: n)
            } catch var e as TemplateError where e.kind == .loader {
                // A missing template is the includer's error, at the include's line.
                e.templateName = ""
                e.line = 0
                throw e
            }
        case .list(let names), .tuple(let names):
            for n in names {
                if case .string(let s) = n, let t = try? environment.template(named: s) { return t }
            }
            throw TemplateError(.loader, "none of the templates \(nameValue.pythonRepr) were found", templateName: templateName, line: line)
        case .undefined(let u):
            throw TemplateError.undefinedError(u)
        default:
            throw TemplateError.typeError("template name must be a string, not \(nameValue.pythonTypeName)")
        }
    }

    func exec(_ nodes: [Node], _ frame: Frame, _ template: Template, _ out: inout OutputBuffer) throws {
        for node in nodes {
            switch node {
            case .text(let s):
                out.notePiece(.string(s))
                out.append(s)
            case .output(let e, let l):
                // Errors get their location on the way out, so the hot path stores no line number.
                do { try write(try eval(e, frame), &out) } catch { throw locate(error, line: l) }
            default:
                do { try execStatement(node, frame, template, &out) } catch { throw locate(error, line: node.line) }
                if loopSignal != .none { return }
            }
        }
    }

    private func execStatement(_ node: Node, _ frame: Frame, _ template: Template, _ out: inout OutputBuffer) throws {
            switch node {
            case .text, .output:
                try exec([node], frame, template, &out)
            case .conditional(let branches, let elseBody, _):
                var done = false
                for (cond, body) in branches where try eval(cond, frame).isTruthy {
                    try exec(body, frame, template, &out)
                    done = true
                    break
                }
                if !done { try exec(elseBody, frame, template, &out) }
            case .forLoop(let f):
                try execFor(f, frame, template, &out)
            case .set(let target, let e, _):
                try assign(target, try eval(e, frame), frame)
            case .setBlock(let target, let body, let filters, _):
                var v = try captureValue { try exec(body, frame, template, &$0) }
                for (name, args) in filters { v = try applyFilter(name, v, args, frame) }
                try assign(target, v, frame)
            case .macro(let m):
                frame.vars[m.name] = .object(MacroObject(node: m, closure: frame, context: self, template: template))
            case .callBlock(let m, let call, _):
                let caller = MacroObject(node: m, closure: frame, context: self, template: template)
                try write(try evalCall(call, frame, extraKwargs: ["caller": .object(caller)]), &out)
            case .filterBlock(let body, let filters, _):
                var v = try captureValue { try exec(body, frame, template, &$0) }
                for (name, args) in filters { v = try applyFilter(name, v, args, frame) }
                try write(v, &out)
            case .include(let e, let ignoreMissing, let withContext, _):
                let nameValue = try eval(e, frame)
                let included: Template
                do {
                    included = try loadTemplate(nameValue)
                } catch let error as TemplateError where error.kind == .loader && ignoreMissing {
                    return
                }
                let savedBlocks = blocks
                blocks = [:]
                try renderTemplate(included, frame: withContext ? Frame(parent: frame) : Frame(parent: nil, isolated: false), &out)
                blocks = savedBlocks
                templateName = template.name
            case .importAs(let e, let alias, let withContext, _):
                let module = try importModule(try eval(e, frame), withContext: withContext, frame)
                frame.vars[alias] = .object(module)
                templateName = template.name
            case .fromImport(let e, let names, let withContext, let l):
                let module = try importModule(try eval(e, frame), withContext: withContext, frame)
                templateName = template.name
                for (name, alias) in names {
                    if let v = module.exports[name] {
                        frame.vars[alias] = v
                    } else {
                        throw TemplateError(.undefined, "the template '\(module.templateName)' (imported on line \(l)) does not export the requested name '\(name)'", templateName: template.name, line: l)
                    }
                }
            case .extends(_, let l):
                throw TemplateError(.syntax, "extends must be at the top level of a template", templateName: template.name, line: l)
            case .block(let name, let body, let scoped, _):
                try renderBlock(name, fallback: (template, body), frame: scoped ? frame : frame.root, level: 0, &out)
            case .with(let assignments, let body, _):
                let inner = Frame(parent: frame)
                for (target, e) in assignments { try assign(target, try eval(e, frame), inner) }
                try exec(body, inner, template, &out)
            case .loopControl(let isBreak, _):
                loopSignal = isBreak ? .breakLoop : .continueLoop
            }
    }

    func renderBlock(_ name: String, fallback: (Template, [Node]), frame: Frame, level: Int, _ out: inout OutputBuffer) throws {
        let chain = blocks[name] ?? [fallback]
        guard level < chain.count else { return }
        let (owner, body) = chain[level]
        let blockFrame = Frame(parent: frame)
        blockFrame.vars[Symbol.superBlock] = .object(NativeFunction("super") { [unowned self] _, _ in
            guard level + 1 < chain.count else {
                throw TemplateError(.runtime, "there is no parent block called '\(name)'", templateName: "", line: 0)
            }
            return try self.captureValue { try self.renderBlock(name, fallback: fallback, frame: frame, level: level + 1, &$0) }
        })
        let savedName = templateName
        templateName = owner.name
        try exec(body, blockFrame, owner, &out)
        templateName = savedName
    }

    func importModule(_ nameValue: Value, withContext: Bool, _ frame: Frame) throws -> ModuleObject {
        let t = try loadTemplate(nameValue)
        let moduleFrame = withContext ? Frame(parent: frame) : Frame(parent: nil, isolated: true)
        let savedBlocks = blocks
        blocks = [:]
        _ = try capture { try renderTemplate(t, frame: moduleFrame, &$0) }
        blocks = savedBlocks
        var exports: [String: Value] = [:]
        for (k, v) in moduleFrame.vars.pairs where !k.hasPrefix("_") { exports[k] = v }
        return ModuleObject(templateName: t.name, exports: exports)
    }

    /// Runs `body` with a fresh output buffer and returns what it wrote.
    func capture(_ body: (inout OutputBuffer) throws -> Void) throws -> String {
        var buffer = OutputBuffer()
        try body(&buffer)
        return buffer.string
    }

    /// Runs `body` with a fresh output buffer and returns what it wrote as Ansible's native concat does (a
    /// macro's, a set block's or a filter block's value): see `OutputBuffer.value`.
    func captureValue(_ body: (inout OutputBuffer) throws -> Void) throws -> Value {
        var buffer = OutputBuffer()
        try body(&buffer)
        return buffer.value
    }

    @inline(__always)
    func write(_ v: Value, _ out: inout OutputBuffer) throws {
        switch v {
        case .none: break
        case .undefined(let u) where u.isLenient: break
        default: out.notePiece(v)
        }
        switch v {
        case .string(let s): out.append(s)
        case .int(let i): out.append(String(i))
        case .none: break  // Ansible's finalize prints None as nothing
        case .undefined(let u):
            if u.isLenient { break }
            throw TemplateError.undefinedError(u)
        default:
            var text = ""
            v.appendStr(to: &text)
            out.append(text)
        }
    }

    func assign(_ target: AssignTarget, _ value: Value, _ frame: Frame) throws {
        switch target {
        case .name(let n):
            frame.vars[n] = value
        case .tuple(let targets):
            let items: [Value]
            switch value {
            case .list, .tuple, .dict, .string: items = try iterate(value)
            case .undefined(let u): throw TemplateError.undefinedError(u)
            default: throw TemplateError.typeError("cannot unpack non-iterable \(value.pythonTypeName) object")
            }
            guard items.count == targets.count else {
                if items.count > targets.count {
                    throw TemplateError(.runtime, "too many values to unpack (expected \(targets.count))", templateName: "", line: 0)
                }
                throw TemplateError(.runtime, "not enough values to unpack (expected \(targets.count), got \(items.count))", templateName: "", line: 0)
            }
            for (t, v) in zip(targets, items) { try assign(t, v, frame) }
        case .attribute(let n, let attr):
            guard case .object(let o) = try lookup(n, frame), let ns = o as? NamespaceObject else {
                throw TemplateError(.runtime, "cannot assign attribute on non-namespace object", templateName: "", line: 0)
            }
            ns.values[attr] = value
        }
    }

    func execFor(_ f: ForLoopNode, _ frame: Frame, _ template: Template, _ out: inout OutputBuffer,
                 recursingInto: Value? = nil, depth0: Int = 0) throws {
        var items = try iterate(try recursingInto ?? eval(f.iterable, frame))
        let loopFrame = Frame(parent: frame)
        if let cond = f.condition {
            var kept: [Value] = []
            for item in items {
                try assign(f.target, item, loopFrame)
                if try eval(cond, loopFrame).isTruthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty {
            try exec(f.elseBody, frame, template, &out)
            return
        }
        let loop = LoopObject(items: items, depth0: depth0)
        if f.recursive {
            if depth0 > 8 { try checkStackRoom() }
            guard depth0 < RenderContext.maxCallDepth else {
                throw TemplateError(.runtime, "recursive loop is more than \(RenderContext.maxCallDepth) levels deep", templateName: "", line: 0)
            }
            loop.recurse = { [unowned self] children in
                try self.captureValue { try self.execFor(f, frame, template, &$0, recursingInto: children, depth0: depth0 + 1) }
            }
        }
        let loopValue = Value.object(loop)
        for i in 0..<items.count {
            loopFrame.vars.removeAll(keepingCapacity: true)
            loop.index0 = i
            try assign(f.target, items[i], loopFrame)
            loopFrame.vars[Symbol.loop] = loopValue
            try exec(f.body, loopFrame, template, &out)
            if loopSignal != .none {
                let s = loopSignal
                loopSignal = .none
                if s == .breakLoop { break }
            }
        }
    }

    func callMacro(_ macro: MacroObject, _ args: [Value], _ kwargsIn: [String: Value]) throws -> Value {
        let node = macro.node
        callDepth += 1
        defer { callDepth -= 1 }
        if callDepth > 8 { try checkStackRoom() }
        guard callDepth <= RenderContext.maxCallDepth else {
            throw TemplateError(.runtime, "macro '\(node.name)' calls itself (or other macros) more than \(RenderContext.maxCallDepth) levels deep; is a recursion missing its end condition?", templateName: "", line: 0)
        }
        let order = keywordOrder
        keywordOrder = []
        guard let closure = macro.closure else {
            throw TemplateError(.runtime, "macro '\(node.name)' was called after its template finished rendering", templateName: "", line: 0)
        }
        let frame = Frame(parent: closure, capacity: node.parameters.count + 3)
        var kwargs = kwargsIn
        if let caller = kwargs.removeValue(forKey: "caller") {
            frame.vars[Symbol.caller] = caller
        } else if node.usesCaller, frame.vars[Symbol.caller] == nil {
            frame.vars[Symbol.caller] = .undefined(Undefined("No caller defined"))
        }
        for (i, (symbol, def)) in node.parameters.enumerated() {
            let name = symbol.name
            if i < args.count {
                if kwargs[name] != nil {
                    throw TemplateError.typeError("macro '\(node.name)' got multiple values for argument '\(name)'")
                }
                frame.vars[symbol] = args[i]
            } else if let v = kwargs.removeValue(forKey: name) {
                frame.vars[symbol] = v
            } else if let d = def {
                frame.vars[symbol] = try eval(d, frame)
            } else {
                frame.vars[symbol] = .undefined(Undefined("parameter '\(name)' was not provided"))
            }
        }
        if args.count > node.parameters.count {
            guard node.catchesVarargs else {
                throw TemplateError.typeError("macro '\(node.name)' takes not more than \(node.parameters.count) argument(s)")
            }
        }
        if node.catchesVarargs { frame.vars[Symbol.varargs] = .tuple(Array(args.dropFirst(node.parameters.count))) }
        if node.catchesKwargs {
            var d = OrderedDict()
            for k in order where kwargs[k] != nil { d[k] = kwargs[k] }
            for k in kwargs.keys.sorted() where d[k] == nil { d[k] = kwargs[k] }
            frame.vars[Symbol.kwargs] = .dict(d)
        } else if let extra = kwargs.keys.sorted().first {
            throw TemplateError.typeError("macro '\(node.name)' takes no keyword argument '\(extra)'")
        }
        let savedName = templateName
        let savedLine = line
        let savedSignal = loopSignal
        templateName = node.templateName
        let value = try captureValue { try exec(node.body, frame, macro.template, &$0) }
        templateName = savedName
        line = savedLine
        loopSignal = savedSignal
        return value
    }
}

/// The render's output as UTF-8 bytes: appending bytes is cheaper than appending to a String. It also counts
/// the pieces written (template text and `{{ }}` values other than None) for Ansible's native concat.
struct OutputBuffer {
    var bytes: [UInt8] = []
    private(set) var pieceCount = 0
    private(set) var firstPiece: Value?

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    @inline(__always)
    mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    @inline(__always)
    mutating func notePiece(_ piece: Value) {
        pieceCount += 1
        if pieceCount == 1 { firstPiece = piece }
    }

    /// What was written as Ansible 2.19+'s native concat gives it: None for nothing, a lone piece as it is
    /// (`{{ {'a': 1} }}` stays a dict), more pieces as their text.
    var value: Value {
        if pieceCount == 0 { return .none }
        if pieceCount == 1, let piece = firstPiece { return piece }
        return .string(string)
    }
}
