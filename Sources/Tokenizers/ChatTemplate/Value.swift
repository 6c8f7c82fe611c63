/// A value while a template runs: the JSON-like kinds plus what only exists inside Jinja
/// (undefined, namespaces, callables). Behaviour follows the Python objects Jinja would hold.
enum Value {
    /// Jinja's default `Undefined`: prints as "", is falsy and iterates as empty; `hint` names what
    /// was missing for the error raised when it is used further.
    case undefined(hint: String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    /// Lists and tuples (they differ only in how Python prints them).
    case list([Value], isTuple: Bool = false)
    case dictionary(Dictionary)
    case namespace(Namespace)
    case function(Function)

    /// A dictionary with insertion-ordered string keys, like a Python `dict` built from JSON.
    struct Dictionary {
        private(set) var keys: [String] = []
        private var storage: [String: Value] = [:]

        init() {}

        init(_ pairs: [(String, Value)]) {
            for (key, value) in pairs { self[key] = value }
        }

        subscript(key: String) -> Value? {
            get { storage[key] }
            set {
                if storage[key] == nil, newValue != nil { keys.append(key) }
                if newValue == nil, storage[key] != nil { keys.removeAll { $0 == key } }
                storage[key] = newValue
            }
        }

        var count: Int { keys.count }
        var pairs: [(key: String, value: Value)] { keys.map { ($0, storage[$0]!) } }
        var values: [Value] { keys.map { storage[$0]! } }
    }

    /// `namespace(...)`: the one mutable object templates have, so loops can carry state out.
    final class Namespace {
        var attributes: Dictionary
        init(_ attributes: Dictionary) { self.attributes = attributes }
    }

    /// A global, a bound method, a macro or `loop.cycle`.
    struct Function {
        let name: String
        let call: (CallArguments) throws -> Value
    }

    init(_ value: TemplateValue) {
        switch value {
        case .null: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let items): self = .list(items.map(Value.init))
        case .object(let members): self = .dictionary(Dictionary(members.map { ($0.key, Value($0.value)) }))
        }
    }

    var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// Python truthiness.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .list(let items, _): return !items.isEmpty
        case .dictionary(let d): return d.count > 0
        case .namespace, .function: return true
        }
    }

    /// The Python type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .list(_, let isTuple): return isTuple ? "tuple" : "list"
        case .dictionary: return "dict"
        case .namespace: return "Namespace"
        case .function: return "function"
        }
    }

    /// Numbers (with bools as 0/1, as in Python arithmetic) as a double, else nil.
    var number: Double? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// Integers and bools as an Int, else nil.
    var integer: Int? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return i
        default: return nil
        }
    }
}

/// Arguments of a call at run time, with the call's position for errors.
struct CallArguments {
    var positional: [Value]
    var keywords: [(name: String, value: Value)]
    let location: TemplateLocation

    /// The argument at `position` or under `name`, else nil.
    func value(_ position: Int, _ name: String) -> Value? {
        if let keyword = keywords.first(where: { $0.name == name }) { return keyword.value }
        return position < positional.count ? positional[position] : nil
    }
}

extension Value: Equatable {
    /// Python `==`: numbers compare by value across int/float/bool, containers element-wise,
    /// dictionaries regardless of order.
    static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let a), .string(let b)): return a == b
        case (.list(let a, let ta), .list(let b, let tb)): return ta == tb && a == b
        case (.dictionary(let a), .dictionary(let b)):
            return a.count == b.count && a.keys.allSatisfy { key in b[key].map { $0 == a[key]! } ?? false }
        case (.namespace(let a), .namespace(let b)): return a === b
        default:
            if let a = lhs.number, let b = rhs.number { return a == b }
            return false
        }
    }
}
