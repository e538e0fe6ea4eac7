import OrderedCollections

/// A value as templates see it: Python's data model, reduced to what YAML, JSON and Jinja produce.
public enum Value: Sendable, Hashable {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([Value])
    case dict(OrderedDictionary<String, Value>)
    /// A Python tuple: what `dict.items()` yields and `(a, b)` builds; prints as `('a', 1)`.
    case tuple([Value])
    /// A missing variable or attribute; using it raises, testing it (`is defined`, `default`, `if`) does not.
    case undefined(Undefined)
    /// Engine objects with behaviour: macros, `loop`, bound methods, cyclers.
    case object(TemplateObject)

    /// The placeholder Ansible's `omit` variable holds; a module argument equal to it is dropped.
    public static let omitPlaceholder = "__omit_place_holder__deckhand"
}

/// Why a value is undefined, phrased as Jinja2 phrases it ("'foo' is undefined").
public struct Undefined: Sendable, Hashable {
    // Boxed so that Value stays small: every Value copy pays for the largest case.
    private final class Storage: Sendable {
        // nil for a missing variable: the message is built only when someone reads it.
        let text: String?
        let name: String?
        init(text: String?, name: String?) {
            self.text = text
            self.name = name
        }
    }
    private let storage: Storage

    /// Jinja2's message for using this value, e.g. "'dict object' has no attribute 'bar'".
    public var message: String { storage.text ?? "'\(storage.name ?? "")' is undefined" }
    /// The missing variable or attribute name, when there is one (`mandatory` names it).
    public var name: String? { storage.name }

    public init(_ message: String, name: String? = nil) {
        storage = Storage(text: message, name: name)
    }

    private init(variable name: String) {
        storage = Storage(text: nil, name: name)
    }

    public static func variable(_ name: String) -> Undefined { Undefined(variable: name) }

    /// What `x if false` (no else) yields in Jinja2: undefined, but it prints as nothing.
    static let lenient = Undefined("the inline if-expression evaluated to false and no else section was defined.")
    var isLenient: Bool { storage === Undefined.lenient.storage }

    public static func == (a: Undefined, b: Undefined) -> Bool { a.message == b.message && a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(message) }
}

/// An engine object (macro, loop, bound method); equal only to itself, as Python objects are.
public class TemplateObject: @unchecked Sendable, Hashable {
    /// What `{{ obj }}` prints, e.g. `<Macro 'row'>`.
    public var displayName: String { "<object>" }
    /// The Python type name TypeError messages use.
    public var typeName: String { "object" }

    init() {}

    public static func == (lhs: TemplateObject, rhs: TemplateObject) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }

    /// The attribute `name`, or nil when it has none.
    func attribute(_ name: String) -> Value? { nil }
    /// Calls the object; nil when it cannot be called.
    var isCallable: Bool { false }
    func call(_ args: [Value], _ kwargs: [String: Value]) throws -> Value {
        throw TemplateError.typeError("'\(displayName)' object is not callable")
    }
}

extension Value {
    /// The first undefined value inside a list, tuple or dict (depth first), or the value itself when undefined;
    /// an if-expression without else (which prints as nothing) does not count.
    public var firstUndefined: Undefined? {
        switch self {
        case .undefined(let undefined): return undefined.isLenient ? nil : undefined
        case .list(let items), .tuple(let items): return items.lazy.compactMap(\.firstUndefined).first
        case .dict(let dict): return dict.values.lazy.compactMap(\.firstUndefined).first
        default: return nil
        }
    }
}
