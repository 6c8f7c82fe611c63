/// Evaluating expressions: names, literals, attribute and item access, calls, filters and tests.
extension Interpreter {
    func evaluate(_ expression: Expression) throws -> Value {
        let location = expression.location
        switch expression.kind {
        case .literal(let value): return value
        case .name(let name): return lookup(name)
        case .list(let items): return .list(try items.map(evaluate))
        case .tuple(let items): return .list(try items.map(evaluate), isTuple: true)
        case .dictionary(let pairs):
            var dictionary = Value.Dictionary()
            for pair in pairs {
                guard case .string(let key) = try evaluate(pair.key) else {
                    throw ChatTemplateError.unsupported("dictionary keys other than strings", at: pair.key.location)
                }
                dictionary[key] = try evaluate(pair.value)
            }
            return .dictionary(dictionary)
        case .attribute(let base, let name):
            return try attribute(name, of: try evaluate(base), at: location)
        case .item(let base, let key):
            return try item(try evaluate(key), of: try evaluate(base), at: location)
        case .slice(let base, let start, let stop, let step):
            return try Operators.slice(try evaluate(base), start: try start.map(evaluate), stop: try stop.map(evaluate),
                                       step: try step.map(evaluate), at: location)
        case .call(let callee, let arguments):
            let function = try evaluate(callee)
            return try call(function, try evaluateArguments(arguments, at: location), at: location)
        case .filter(let base, let name, let arguments):
            let value = try evaluate(base)
            return try Filters.apply(name, to: value, arguments: try evaluateArguments(arguments, at: location), in: self)
        case .test(let base, let name, let arguments, let negated):
            let value = try evaluate(base)
            let result = try TemplateTests.apply(name, to: value, arguments: try evaluateArguments(arguments, at: location), in: self)
            return .bool(result != negated)
        case .not(let operand): return .bool(!(try evaluate(operand).isTruthy))
        case .negate(let operand): return try Operators.negate(try evaluate(operand), at: location)
        case .plus(let operand):
            let value = try evaluate(operand)
            guard value.number != nil else { throw Operators.undefinedOrType(value, "bad operand type for unary +", at: location) }
            return value
        case .binary(let op, let left, let right):
            return try Operators.binary(op, try evaluate(left), try evaluate(right), at: location)
        case .and(let left, let right):
            let value = try evaluate(left)
            return value.isTruthy ? try evaluate(right) : value
        case .or(let left, let right):
            let value = try evaluate(left)
            return value.isTruthy ? value : try evaluate(right)
        case .compare(let first, let operations):
            var left = try evaluate(first)
            for (op, rightExpression) in operations {
                let right = try evaluate(rightExpression)
                guard try Operators.compare(op, left, right, at: rightExpression.location) else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .conditional(let test, let then, let otherwise):
            if try evaluate(test).isTruthy { return try evaluate(then) }
            return try otherwise.map(evaluate) ?? .undefined(hint: "the conditional expression had no else branch")
        }
    }

    func evaluateArguments(_ arguments: Arguments, at location: TemplateLocation) throws -> CallArguments {
        CallArguments(positional: try arguments.positional.map(evaluate),
                      keywords: try arguments.keywords.map { ($0.name, try evaluate($0.value)) },
                      location: location)
    }

    func call(_ function: Value, _ arguments: CallArguments, at location: TemplateLocation) throws -> Value {
        switch function {
        case .function(let function): return try function.call(arguments)
        case .undefined(let hint): throw ChatTemplateError.runtime(hint, at: location)
        default: throw ChatTemplateError.runtime("'\(function.typeName)' object is not callable", at: location)
        }
    }

    /// `value.name`: Jinja tries the Python attribute (a method) first, then the item.
    func attribute(_ name: String, of value: Value, at location: TemplateLocation) throws -> Value {
        switch value {
        case .undefined(let hint):
            throw ChatTemplateError.runtime(hint, at: location)
        case .namespace(let namespace):
            return namespace.attributes[name] ?? .undefined(hint: "'Namespace' object has no attribute '\(name)'")
        case .dictionary(let dictionary):
            if let method = Methods.bound(name, to: value) { return .function(method) }
            return dictionary[name] ?? .undefined(hint: "'dict object' has no attribute '\(name)'")
        default:
            if let method = Methods.bound(name, to: value) { return .function(method) }
            return .undefined(hint: "'\(value.typeName) object' has no attribute '\(name)'")
        }
    }

    /// `value[key]`: Jinja tries the item first, then (for a string key) the attribute.
    func item(_ key: Value, of value: Value, at location: TemplateLocation) throws -> Value {
        switch (value, key) {
        case (.undefined(let hint), _):
            throw ChatTemplateError.runtime(hint, at: location)
        case (.dictionary(let dictionary), .string(let name)):
            if let found = dictionary[name] { return found }
            if let method = Methods.bound(name, to: value) { return .function(method) }
            return .undefined(hint: "'dict object' has no attribute '\(name)'")
        case (.list(let items, _), _):
            guard let index = key.integer else { break }
            let resolved = index < 0 ? index + items.count : index
            guard items.indices.contains(resolved) else { return .undefined(hint: "list index \(index) out of range") }
            return items[resolved]
        case (.string(let text), _):
            guard let index = key.integer else { break }
            let scalars = Array(text.unicodeScalars)
            let resolved = index < 0 ? index + scalars.count : index
            guard scalars.indices.contains(resolved) else { return .undefined(hint: "string index \(index) out of range") }
            return .string(String(scalars[resolved]))
        case (.namespace, .string(let name)):
            return try attribute(name, of: value, at: location)
        default:
            break
        }
        if case .string(let name) = key, let method = Methods.bound(name, to: value) { return .function(method) }
        return .undefined(hint: "'\(value.typeName) object' has no attribute \(key.pythonRepr)")
    }
}
