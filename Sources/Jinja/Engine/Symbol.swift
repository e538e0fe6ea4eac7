import Foundation

/// An interned variable name. Scopes compare ids instead of hashing text, which keeps lookups cheap.
struct Symbol: Hashable, Sendable {
    let id: Int
    let name: String

    static func == (a: Symbol, b: Symbol) -> Bool { a.id == b.id }
    func hash(into hasher: inout Hasher) { hasher.combine(id) }

    static let loop = Symbols.intern("loop")
    static let caller = Symbols.intern("caller")
    static let varargs = Symbols.intern("varargs")
    static let kwargs = Symbols.intern("kwargs")
    static let superBlock = Symbols.intern("super")
    static let selfReference = Symbols.intern("self")
    static let defaultFilter = Symbols.intern("default")
    static let dFilter = Symbols.intern("d")
}

/// The process-wide table of interned names; only compiling (and rare runtime paths) take the lock.
enum Symbols {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var ids: [String: Int] = [:]
    nonisolated(unsafe) private static var names: [String] = []

    static func intern(_ name: String) -> Symbol {
        lock.lock()
        defer { lock.unlock() }
        if let id = ids[name] { return Symbol(id: id, name: name) }
        let id = names.count
        names.append(name)
        ids[name] = id
        return Symbol(id: id, name: name)
    }

    static func name(_ id: Int) -> String {
        lock.lock()
        defer { lock.unlock() }
        return names[id]
    }
}

/// A frame's variables: a few (id, value) pairs scanned linearly, faster than hashing for small scopes.
struct FrameVars {
    private(set) var ids: [Int] = []
    private(set) var values: [Value] = []

    init(capacity: Int) {
        ids.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    @inline(__always)
    subscript(symbol: Symbol) -> Value? {
        get {
            var i = ids.count - 1
            while i >= 0 {
                if ids[i] == symbol.id { return values[i] }
                i -= 1
            }
            return nil
        }
        set {
            if let i = ids.firstIndex(of: symbol.id) {
                if let v = newValue { values[i] = v } else { ids.remove(at: i); values.remove(at: i) }
            } else if let v = newValue {
                ids.append(symbol.id)
                values.append(v)
            }
        }
    }

    subscript(name: String) -> Value? {
        get { self[Symbols.intern(name)] }
        set { self[Symbols.intern(name)] = newValue }
    }

    mutating func removeAll(keepingCapacity: Bool) {
        ids.removeAll(keepingCapacity: keepingCapacity)
        values.removeAll(keepingCapacity: keepingCapacity)
    }

    var pairs: [(String, Value)] { zip(ids, values).map { (Symbols.name($0.0), $0.1) } }
}
