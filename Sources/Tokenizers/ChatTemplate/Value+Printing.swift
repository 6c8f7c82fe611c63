/// How values become text: Python's `str()` for `{{ }}` output and `~`, `repr()` inside containers.
extension Value {
    /// Python `str(value)`; undefined prints as "".
    var pythonString: String {
        switch self {
        case .undefined: return ""
        case .string(let s): return s
        default: return pythonRepr
        }
    }

    /// Python `repr(value)`: quoted strings, `True`/`None`, `[...]`, `(...)`, `{'k': v}`.
    var pythonRepr: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return Self.pythonFloat(d)
        case .string(let s): return Self.pythonQuoted(s)
        case .list(let items, let isTuple):
            let inner = items.map(\.pythonRepr).joined(separator: ", ")
            if isTuple { return items.count == 1 ? "(\(inner),)" : "(\(inner))" }
            return "[\(inner)]"
        case .dictionary(let dictionary):
            return "{" + dictionary.pairs.map { Self.pythonQuoted($0.key) + ": " + $0.value.pythonRepr }.joined(separator: ", ") + "}"
        case .namespace(let namespace):
            return "<Namespace " + Value.dictionary(namespace.attributes).pythonRepr + ">"
        case .function(let function): return "<function \(function.name)>"
        }
    }

    /// Python's float repr: shortest round-trip digits, exponent from 1e16 and below 1e-4.
    static func pythonFloat(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        // Swift's description is also the shortest round-trip form with the same exponent thresholds.
        return value.description
    }

    /// Python's string repr: single quotes unless the text holds a single quote and no double quote.
    static func pythonQuoted(_ text: String) -> String {
        let quote: Unicode.Scalar = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var result = String.UnicodeScalarView()
        result.append(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": result.append(contentsOf: "\\n".unicodeScalars)
            case "\r": result.append(contentsOf: "\\r".unicodeScalars)
            case "\t": result.append(contentsOf: "\\t".unicodeScalars)
            case quote: result.append("\\"); result.append(quote)
            default:
                let v = scalar.value
                if v < 0x20 || v == 0x7F {
                    result.append(contentsOf: "\\x\(hex(v, width: 2))".unicodeScalars)
                } else if (0x80...0xA0).contains(v) || v == 0xAD {
                    result.append(contentsOf: "\\x\(hex(v, width: 2))".unicodeScalars)
                } else {
                    result.append(scalar)
                }
            }
        }
        result.append(quote)
        return String(result)
    }
}

func hex(_ value: UInt32, width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
