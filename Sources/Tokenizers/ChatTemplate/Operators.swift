import Foundation

/// Arithmetic, comparison, membership and slicing with Python's semantics.
enum Operators {
    /// An undefined operand raises its own "is undefined" error, as Jinja's Undefined does;
    /// anything else raises a type error.
    static func undefinedOrType(_ value: Value, _ message: String, at location: TemplateLocation) -> ChatTemplateError {
        if case .undefined(let hint) = value { return .runtime(hint, at: location) }
        return .runtime(message, at: location)
    }

    static func negate(_ value: Value, at location: TemplateLocation) throws -> Value {
        switch value {
        case .int(let i): return .int(-i)
        case .bool(let b): return .int(b ? -1 : 0)
        case .double(let d): return .double(-d)
        default: throw undefinedOrType(value, "bad operand type for unary -: '\(value.typeName)'", at: location)
        }
    }

    static func binary(_ op: BinaryOperator, _ left: Value, _ right: Value, at location: TemplateLocation) throws -> Value {
        if op == .concatenate { return .string(left.pythonString + right.pythonString) }
        for operand in [left, right] {
            if case .undefined(let hint) = operand { throw ChatTemplateError.runtime(hint, at: location) }
        }
        let typeError = ChatTemplateError.runtime(
            "unsupported operand type(s) for \(op.rawValue): '\(left.typeName)' and '\(right.typeName)'", at: location)
        switch (op, left, right) {
        case (.add, .string(let a), .string(let b)): return .string(a + b)
        case (.add, .list(let a, let ta), .list(let b, let tb)) where ta == tb: return .list(a + b, isTuple: ta)
        case (.add, .string, _), (.add, .list, _):
            // Python's wording for concatenating a str or list with another type.
            throw ChatTemplateError.runtime("can only concatenate \(left.typeName) (not \"\(right.typeName)\") to \(left.typeName)", at: location)
        case (.multiply, .string(let s), _), (.multiply, _, .string(let s)):
            guard let count = (left.integer != nil ? left : right).integer else { throw typeError }
            return .string(String(repeating: s, count: max(0, count)))
        case (.multiply, .list(let items, let t), _), (.multiply, _, .list(let items, let t)):
            guard let count = (left.integer != nil ? left : right).integer else { throw typeError }
            return .list(Array((0..<max(0, count)).map { _ in items }.joined()), isTuple: t)
        case (.modulo, .string, _):
            throw ChatTemplateError.unsupported("printf-style string formatting with '%'", at: location)
        default: break
        }
        if let a = left.integer, let b = right.integer {
            switch op {
            case .add: return try checked(a.addingReportingOverflow(b), at: location)
            case .subtract: return try checked(a.subtractingReportingOverflow(b), at: location)
            case .multiply: return try checked(a.multipliedReportingOverflow(by: b), at: location)
            case .divide:
                guard b != 0 else { throw ChatTemplateError.runtime("division by zero", at: location) }
                return .double(Double(a) / Double(b))
            case .floorDivide, .modulo:
                guard b != 0 else { throw ChatTemplateError.runtime("integer division or modulo by zero", at: location) }
                var quotient = a / b
                var remainder = a % b
                if remainder != 0 && ((remainder < 0) != (b < 0)) { quotient -= 1; remainder += b }
                return .int(op == .floorDivide ? quotient : remainder)
            case .power:
                if b >= 0 {
                    var result = 1
                    for _ in 0..<b {
                        let (product, overflow) = result.multipliedReportingOverflow(by: a)
                        guard !overflow else { throw ChatTemplateError.unsupported("integers beyond 64 bits", at: location) }
                        result = product
                    }
                    return .int(result)
                }
                return .double(pow(Double(a), Double(b)))
            case .concatenate: break
            }
        }
        guard let a = left.number, let b = right.number else { throw typeError }
        switch op {
        case .add: return .double(a + b)
        case .subtract: return .double(a - b)
        case .multiply: return .double(a * b)
        case .divide:
            guard b != 0 else { throw ChatTemplateError.runtime("float division by zero", at: location) }
            return .double(a / b)
        case .floorDivide:
            guard b != 0 else { throw ChatTemplateError.runtime("float floor division by zero", at: location) }
            return .double((a / b).rounded(.down))
        case .modulo:
            guard b != 0 else { throw ChatTemplateError.runtime("float modulo", at: location) }
            let r = a.truncatingRemainder(dividingBy: b)
            return .double(r != 0 && (r < 0) != (b < 0) ? r + b : r)
        case .power: return .double(pow(a, b))
        case .concatenate: return .string("")
        }
    }

    private static func checked(_ result: (partialValue: Int, overflow: Bool), at location: TemplateLocation) throws -> Value {
        guard !result.overflow else { throw ChatTemplateError.unsupported("integers beyond 64 bits", at: location) }
        return .int(result.partialValue)
    }

    static func compare(_ op: CompareOperator, _ left: Value, _ right: Value, at location: TemplateLocation) throws -> Bool {
        switch op {
        case .equal: return left == right
        case .notEqual: return left != right
        case .contains: return try contains(right, left, at: location)
        case .notContains: return !(try contains(right, left, at: location))
        case .less: return try order(left, right, at: location, op) < 0
        case .lessOrEqual: return try order(left, right, at: location, op) <= 0
        case .greater: return try order(left, right, at: location, op) > 0
        case .greaterOrEqual: return try order(left, right, at: location, op) >= 0
        }
    }

    /// Python ordering: numbers, strings (by code point), lists lexicographically.
    static func order(_ left: Value, _ right: Value, at location: TemplateLocation, _ op: CompareOperator = .less) throws -> Int {
        if let a = left.number, let b = right.number { return a < b ? -1 : a > b ? 1 : 0 }
        switch (left, right) {
        case (.string(let a), .string(let b)):
            if a == b { return 0 }
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1 : 1
        case (.list(let a, _), .list(let b, _)):
            for (x, y) in zip(a, b) where x != y { return try order(x, y, at: location, op) }
            return a.count < b.count ? -1 : a.count > b.count ? 1 : 0
        default:
            throw undefinedOrType(left.isUndefined ? left : right,
                "'\(op.rawValue)' not supported between instances of '\(left.typeName)' and '\(right.typeName)'", at: location)
        }
    }

    /// Python `needle in container`.
    static func contains(_ container: Value, _ needle: Value, at location: TemplateLocation) throws -> Bool {
        switch container {
        case .string(let text):
            guard case .string(let part) = needle else {
                throw undefinedOrType(needle, "'in <string>' requires string as left operand, not \(needle.typeName)", at: location)
            }
            return part.isEmpty || text.contains(part)
        case .list(let items, _): return items.contains(needle)
        case .dictionary(let dictionary):
            guard case .string(let key) = needle else { return false }
            return dictionary[key] != nil
        case .namespace(let namespace):
            guard case .string(let key) = needle else { return false }
            return namespace.attributes[key] != nil
        case .undefined: return false
        default:
            throw ChatTemplateError.runtime("argument of type '\(container.typeName)' is not iterable", at: location)
        }
    }

    /// Python slicing of lists and strings (strings by code point).
    static func slice(_ value: Value, start: Value?, stop: Value?, step: Value?, at location: TemplateLocation) throws -> Value {
        func bound(_ value: Value?) throws -> Int? {
            guard let value, !(value == .none) else { return nil }
            guard let i = value.integer else {
                throw undefinedOrType(value, "slice indices must be integers or None", at: location)
            }
            return i
        }
        let stepValue = try bound(step) ?? 1
        guard stepValue != 0 else { throw ChatTemplateError.runtime("slice step cannot be zero", at: location) }
        func indices(_ count: Int) throws -> [Int] {
            func clamp(_ index: Int?, _ defaultValue: Int) -> Int {
                guard var i = index else { return defaultValue }
                if i < 0 { i += count }
                return stepValue > 0 ? min(max(i, 0), count) : min(max(i, -1), count - 1)
            }
            let from = clamp(try bound(start), stepValue > 0 ? 0 : count - 1)
            let to = clamp(try bound(stop), stepValue > 0 ? count : -1)
            return Array(stride(from: from, to: to, by: stepValue))
        }
        switch value {
        case .list(let items, let isTuple): return .list(try indices(items.count).map { items[$0] }, isTuple: isTuple)
        case .string(let text):
            let scalars = Array(text.unicodeScalars)
            var result = String.UnicodeScalarView()
            for i in try indices(scalars.count) { result.append(scalars[i]) }
            return .string(String(result))
        case .undefined(let hint): throw ChatTemplateError.runtime(hint, at: location)
        default: throw ChatTemplateError.runtime("'\(value.typeName)' object is not subscriptable", at: location)
        }
    }
}
