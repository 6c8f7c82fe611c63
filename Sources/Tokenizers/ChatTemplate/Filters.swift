import Foundation

/// Jinja's built-in filters that chat templates use, with transformers' own `tojson`.
enum Filters {
    static let names: Set<String> = [
        "abs", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first", "float", "indent", "int", "items",
        "join", "last", "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace",
        "reverse", "round", "safe", "select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim",
        "unique", "upper", "wordcount",
    ]

    /// Jinja refuses an unknown filter when it compiles the template; so do we, naming it.
    static func validate(_ name: String, at location: TemplateLocation) throws {
        guard names.contains(name) else {
            throw ChatTemplateError.unsupported("the filter '\(name)'", at: location)
        }
    }

    static func apply(_ name: String, to value: Value, arguments: CallArguments, in interpreter: Interpreter) throws -> Value {
        let location = arguments.location
        func argument(_ position: Int, _ keyword: String) -> Value? { arguments.value(position, keyword) }
        switch name {
        case "abs":
            switch value {
            case .int(let i): return .int(abs(i))
            case .double(let d): return .double(abs(d))
            case .bool(let b): return .int(b ? 1 : 0)
            default: throw Operators.undefinedOrType(value, "bad operand type for abs(): '\(value.typeName)'", at: location)
            }
        case "capitalize": return .string(PythonString.capitalize(value.pythonString))
        case "lower": return .string(value.pythonString.lowercased())
        case "upper": return .string(value.pythonString.uppercased())
        case "title": return .string(title(value.pythonString))
        case "trim":
            let chars = try Methods.string(argument(0, "chars"), "strip arg", at: location)
            return .string(PythonString.strip(value.pythonString, chars: chars))
        case "string": return .string(value.pythonString)
        case "safe": return value
        case "e", "escape": return .string(escape(value.pythonString))
        case "length", "count": return .int(try length(value, at: location))
        case "wordcount": return .int(PythonString.split(value.pythonString, separator: nil, limit: -1, fromEnd: false).count)
        case "default", "d":
            let fallback = argument(0, "default_value") ?? .string("")
            let boolean = argument(1, "boolean")?.isTruthy ?? false
            return value.isUndefined || (boolean && !value.isTruthy) ? fallback : value
        case "first", "last":
            let items = try interpreter.iterate(value, at: location)
            guard let item = name == "first" ? items.first : items.last else {
                return .undefined(hint: "No \(name) item, sequence was empty.")
            }
            return item
        case "list": return .list(try interpreter.iterate(value, at: location))
        case "reverse":
            if case .string(let s) = value { return .string(PythonString.make(s.unicodeScalars.reversed())) }
            return .list(try interpreter.iterate(value, at: location).reversed())
        case "join":
            var items = try interpreter.iterate(value, at: location)
            if let attribute = argument(1, "attribute") {
                items = try items.map { try attributePath(attribute, of: $0, in: interpreter, at: location) }
            }
            return .string(items.map(\.pythonString).joined(separator: (argument(0, "d") ?? .string("")).pythonString))
        case "replace":
            let count = argument(2, "count").flatMap { $0 == .none ? nil : $0.integer } ?? -1
            return .string(PythonString.replace(value.pythonString, (argument(0, "old") ?? .string("")).pythonString,
                                                (argument(1, "new") ?? .string("")).pythonString, count: count))
        case "int": return try toInt(value, fallback: argument(0, "default") ?? .int(0), base: argument(1, "base")?.integer ?? 10)
        case "float": return toFloat(value, fallback: argument(0, "default") ?? .double(0))
        case "round":
            guard let number = value.number else { throw Operators.undefinedOrType(value, "round() needs a number", at: location) }
            let precision = argument(0, "precision")?.integer ?? 0
            let method = (argument(1, "method") ?? .string("common")).pythonString
            let scale = pow(10, Double(precision))
            let rule: FloatingPointRoundingRule = method == "ceil" ? .up : method == "floor" ? .down : .toNearestOrEven  // Python's round() rounds halves to even
            return .double((number * scale).rounded(rule) / scale)
        case "items":
            switch value {
            case .undefined: return .list([])
            case .dictionary(let dictionary): return .list(dictionary.pairs.map { .list([.string($0.key), $0.value], isTuple: true) })
            default: throw ChatTemplateError.runtime("Can only get item pairs from a mapping.", at: location)
            }
        case "tojson": return .string(try tojson(value, arguments))
        case "indent": return .string(indent(value.pythonString, arguments))
        case "map", "select", "reject", "selectattr", "rejectattr":
            return .list(try FilterSelection.apply(name, to: value, arguments: arguments, in: interpreter))
        case "dictsort":
            guard case .dictionary(let dictionary) = value else {
                throw Operators.undefinedOrType(value, "dictsort needs a mapping, not \(value.typeName)", at: location)
            }
            let pairs = Value.list(dictionary.pairs.map { .list([.string($0.key), $0.value], isTuple: true) })
            let byValue = (argument(1, "by") ?? .string("key")).pythonString == "value"
            let sortArguments = CallArguments(
                positional: [], keywords: [("reverse", argument(2, "reverse") ?? .bool(false)),
                                           ("case_sensitive", argument(0, "case_sensitive") ?? .bool(false)),
                                           ("attribute", .int(byValue ? 1 : 0))], location: location)
            return try FilterSelection.aggregate("sort", items: try interpreter.iterate(pairs, at: location), arguments: sortArguments, in: interpreter)
        case "unique", "sort", "min", "max", "sum":
            return try FilterSelection.aggregate(name, items: try interpreter.iterate(value, at: location), arguments: arguments, in: interpreter)
        default:
            throw ChatTemplateError.unsupported("the filter '\(name)'", at: location)
        }
    }

    static func length(_ value: Value, at location: TemplateLocation) throws -> Int {
        switch value {
        case .undefined: return 0
        case .string(let s): return s.unicodeScalars.count
        case .list(let items, _): return items.count
        case .dictionary(let d): return d.count
        case .namespace(let n): return n.attributes.count
        default: throw ChatTemplateError.runtime("object of type '\(value.typeName)' has no len()", at: location)
        }
    }

    /// `a.b.0` attribute paths as `map(attribute=...)`, `selectattr` and `sort(attribute=...)` read them.
    static func attributePath(_ path: Value, of value: Value, in interpreter: Interpreter, at location: TemplateLocation) throws -> Value {
        let parts: [Value]
        if case .string(let s) = path {
            parts = s.split(separator: ".", omittingEmptySubsequences: false).map { part in
                Int(part).map(Value.int) ?? .string(String(part))
            }
        } else {
            parts = [path]
        }
        var current = value
        for part in parts { current = try interpreter.item(part, of: current, at: location) }
        return current
    }

    /// Jinja's `title`: each run after a space, dash or opening bracket starts upper-case, the rest lower.
    private static func title(_ text: String) -> String {
        var result = ""
        var atWordStart = true
        for scalar in text.unicodeScalars {
            let separator = isPythonWhitespace(scalar) || "-({[<".unicodeScalars.contains(scalar)
            result += atWordStart ? String(scalar).uppercased() : String(scalar).lowercased()
            atWordStart = separator
        }
        return result
    }

    private static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&#34;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func toInt(_ value: Value, fallback: Value, base: Int) throws -> Value {
        switch value {
        case .int(let i): return .int(i)
        case .bool(let b): return .int(b ? 1 : 0)
        case .double(let d): return d.isFinite && abs(d) < 9.2e18 ? .int(Int(d)) : fallback
        case .string(let s):
            let trimmed = PythonString.strip(s, chars: nil).replacingOccurrences(of: "_", with: "")
            if let i = Int(trimmed, radix: base) { return .int(i) }
            if let d = Double(trimmed), d.isFinite, abs(d) < 9.2e18 { return .int(Int(d)) }
            return fallback
        default: return fallback
        }
    }

    private static func toFloat(_ value: Value, fallback: Value) -> Value {
        switch value {
        case .int, .bool, .double: return .double(value.number ?? 0)
        case .string(let s): return Double(PythonString.strip(s, chars: nil)).map(Value.double) ?? fallback
        default: return fallback
        }
    }

    /// transformers' `tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)`.
    private static func tojson(_ value: Value, _ arguments: CallArguments) throws -> String {
        var encoder = PythonJSONEncoder()
        encoder.ensureASCII = arguments.value(0, "ensure_ascii")?.isTruthy ?? false
        if let indent = arguments.value(1, "indent"), !(indent == .none) {
            if case .string(let s) = indent { encoder.indent = s } else if let n = indent.integer { encoder.indent = String(repeating: " ", count: max(0, n)) }
            encoder.itemSeparator = ","
        }
        if let separators = arguments.value(2, "separators"), case .list(let pair, _) = separators, pair.count == 2 {
            encoder.itemSeparator = pair[0].pythonString
            encoder.keySeparator = pair[1].pythonString
        }
        encoder.sortKeys = arguments.value(3, "sort_keys")?.isTruthy ?? false
        return try encoder.encode(value, at: arguments.location)
    }

    /// Jinja's `indent(width=4, first=False, blank=False)`.
    private static func indent(_ text: String, _ arguments: CallArguments) -> String {
        let width = arguments.value(0, "width") ?? .int(4)
        let indention: String
        if case .string(let s) = width { indention = s } else { indention = String(repeating: " ", count: max(0, width.integer ?? 4)) }
        let first = arguments.value(1, "first")?.isTruthy ?? false
        let blank = arguments.value(2, "blank")?.isTruthy ?? false
        var lines = PythonString.splitLines(text + "\n")
        var result: String
        if blank {
            result = lines.joined(separator: "\n" + indention)
        } else {
            result = lines.isEmpty ? "" : lines.removeFirst()
            if !lines.isEmpty {
                result += "\n" + lines.map { $0.isEmpty ? $0 : indention + $0 }.joined(separator: "\n")
            }
        }
        return first ? indention + result : result
    }
}
