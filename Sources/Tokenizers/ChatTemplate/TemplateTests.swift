/// Jinja's tests (`x is defined`, `x is string`, `n is divisibleby 3`...).
enum TemplateTests {
    static let names: Set<String> = [
        "defined", "undefined", "none", "boolean", "true", "false", "integer", "float", "number", "string",
        "mapping", "iterable", "sequence", "callable", "sameas", "eq", "equalto", "==", "ne", "!=", "lt",
        "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "in", "divisibleby", "even", "odd",
        "lower", "upper", "escaped",
    ]

    /// Jinja refuses an unknown test when it compiles the template; so do we, naming it.
    static func validate(_ name: String, at location: TemplateLocation) throws {
        guard names.contains(name) else {
            throw ChatTemplateError.unsupported("the test '\(name)'", at: location)
        }
    }

    static func apply(_ name: String, to value: Value, arguments: CallArguments, in interpreter: Interpreter) throws -> Bool {
        let location = arguments.location
        func other() throws -> Value {
            guard let argument = arguments.positional.first else {
                throw ChatTemplateError.runtime("the test '\(name)' needs an argument", at: location)
            }
            return argument
        }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": return value == .none && !value.isUndefined
        case "boolean": if case .bool = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "number": return value.number != nil
        case "string": if case .string = value { return true } else { return false }
        case "mapping": if case .dictionary = value { return true } else { return false }
        case "iterable":
            switch value {
            case .string, .list, .dictionary, .undefined: return true
            default: return false
            }
        case "sequence":
            switch value {
            case .string, .list, .dictionary, .undefined: return true
            default: return false
            }
        case "callable": if case .function = value { return true } else { return false }
        case "sameas":
            let target = try other()
            switch (value, target) {
            case (.none, .none): return true
            case (.bool(let a), .bool(let b)): return a == b
            case (.namespace(let a), .namespace(let b)): return a === b
            default: return false
            }
        case "eq", "equalto", "==": return value == (try other())
        case "ne", "!=": return value != (try other())
        case "lt", "lessthan", "<": return try Operators.compare(.less, value, try other(), at: location)
        case "le", "<=": return try Operators.compare(.lessOrEqual, value, try other(), at: location)
        case "gt", "greaterthan", ">": return try Operators.compare(.greater, value, try other(), at: location)
        case "ge", ">=": return try Operators.compare(.greaterOrEqual, value, try other(), at: location)
        case "in": return try Operators.contains(try other(), value, at: location)
        case "divisibleby":
            guard let a = value.integer, let b = try other().integer, b != 0 else {
                throw Operators.undefinedOrType(value, "divisibleby needs integers", at: location)
            }
            return a % b == 0
        case "even", "odd":
            guard let a = value.integer else { throw Operators.undefinedOrType(value, "\(name) needs an integer", at: location) }
            return (a % 2 == 0) == (name == "even")
        case "lower": return value.pythonString == value.pythonString.lowercased()
        case "upper": return value.pythonString == value.pythonString.uppercased()
        case "escaped": return false
        default: throw ChatTemplateError.unsupported("the test '\(name)'", at: location)
        }
    }
}
