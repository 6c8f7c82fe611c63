/// The parsed form of a template: statements (``Node``) holding expressions (``Expression``).

/// An expression with the position it starts at, for runtime error messages.
struct Expression {
    indirect enum Kind {
        case literal(Value)
        case name(String)
        case list([Expression])
        case tuple([Expression])
        case dictionary([(key: Expression, value: Expression)])
        case attribute(Expression, String)
        case item(Expression, Expression)
        case slice(Expression, start: Expression?, stop: Expression?, step: Expression?)
        case call(Expression, Arguments)
        case filter(Expression, name: String, Arguments)
        case test(Expression, name: String, Arguments, negated: Bool)
        case not(Expression)
        case negate(Expression)
        case plus(Expression)
        case binary(BinaryOperator, Expression, Expression)
        case and(Expression, Expression)
        case or(Expression, Expression)
        case compare(Expression, [(CompareOperator, Expression)])
        case conditional(test: Expression, then: Expression, else: Expression?)
    }

    let kind: Kind
    let location: TemplateLocation
}

/// Positional and keyword arguments of a call, filter or test.
struct Arguments {
    var positional: [Expression] = []
    var keywords: [(name: String, value: Expression)] = []
}

enum BinaryOperator: String {
    case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%", power = "**"
    case concatenate = "~"
}

enum CompareOperator: String {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case contains = "in", notContains = "not in"
}

/// What a `for` or `set` binds: one name, several names unpacked from a sequence, or a namespace attribute.
enum AssignTarget {
    case name(String)
    case names([String])
    case attribute(namespace: String, attribute: String)
}

/// A macro's parameters (with defaults) and body.
struct MacroDefinition {
    let name: String
    let parameters: [(name: String, defaultValue: Expression?)]
    let body: [Node]
}

/// A statement or piece of output.
struct Node {
    indirect enum Kind {
        case text(String)
        case output(Expression)
        case conditional(branches: [(condition: Expression, body: [Node])], otherwise: [Node])
        case loop(target: AssignTarget, iterable: Expression, filter: Expression?, body: [Node], otherwise: [Node])
        case set(AssignTarget, Expression)
        case setBlock(AssignTarget, body: [Node], filters: [(name: String, Arguments)])
        case filterBlock(filters: [(name: String, Arguments)], body: [Node])
        case macro(MacroDefinition)
        case breakLoop
        case continueLoop
        /// `{% generation %}`: transformers' marker for assistant-generated text; it renders its body.
        case generation([Node])
    }

    let kind: Kind
    let location: TemplateLocation
}
