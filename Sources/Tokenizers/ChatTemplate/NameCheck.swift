/// Rejects unknown filters and tests when the template is parsed, where Jinja's compiler does.
///
/// Jinja fails at compile time for an unknown filter or test except inside an `if` statement or a
/// conditional expression (its "soft" frames): there the error waits until the code runs, so a
/// template may guard a filter its environment lacks. Those stay deferred here too (the filter or
/// test then throws ``ChatTemplateError/unsupported(_:at:)`` when evaluated).
enum NameCheck {
    static func check(_ nodes: [Node]) throws {
        for node in nodes { try check(node) }
    }

    private static func check(_ node: Node) throws {
        switch node.kind {
        case .text, .breakLoop, .continueLoop, .conditional: return
        case .output(let expression): try check(expression)
        case .loop(_, let iterable, let filter, let body, let otherwise):
            try check(iterable)
            if let filter { try check(filter) }
            try check(body)
            try check(otherwise)
        case .set(_, let value): try check(value)
        case .setBlock(_, let body, let filters), .filterBlock(let filters, let body):
            for filter in filters {
                try Filters.validate(filter.name, at: node.location)
                try check(filter.1)
            }
            try check(body)
        case .macro(let definition):
            for parameter in definition.parameters { if let value = parameter.defaultValue { try check(value) } }
            try check(definition.body)
        case .generation(let body): try check(body)
        }
    }

    private static func check(_ arguments: Arguments) throws {
        for argument in arguments.positional { try check(argument) }
        for argument in arguments.keywords { try check(argument.value) }
    }

    private static func check(_ expression: Expression) throws {
        switch expression.kind {
        case .literal, .name, .conditional: return
        case .list(let items), .tuple(let items): for item in items { try check(item) }
        case .dictionary(let pairs): for pair in pairs { try check(pair.key); try check(pair.value) }
        case .attribute(let base, _), .not(let base), .negate(let base), .plus(let base): try check(base)
        case .item(let base, let key): try check(base); try check(key)
        case .slice(let base, let start, let stop, let step):
            try check(base)
            for part in [start, stop, step] { if let part { try check(part) } }
        case .call(let callee, let arguments): try check(callee); try check(arguments)
        case .filter(let base, let name, let arguments):
            try check(base)
            try Filters.validate(name, at: expression.location)
            try check(arguments)
        case .test(let base, let name, let arguments, _):
            try check(base)
            try TemplateTests.validate(name, at: expression.location)
            try check(arguments)
        case .binary(_, let left, let right), .and(let left, let right), .or(let left, let right):
            try check(left); try check(right)
        case .compare(let first, let operations):
            try check(first)
            for operation in operations { try check(operation.1) }
        }
    }
}
