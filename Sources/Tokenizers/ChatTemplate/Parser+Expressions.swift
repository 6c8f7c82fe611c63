/// Jinja's expression grammar, loosest binding first: conditional `a if c else b`, `or`, `and`,
/// `not`, comparisons and `in`, `+ -`, `~`, `* / // %`, `**`, unary `- +`, then primaries with
/// their postfixes (`.name`, `[index]`, `[a:b:c]`, calls) and filters/tests (`|f`, `is t`).
extension Parser {
    /// Expressions separated by commas form a tuple (`{% set a, b = 1, 2 %}`, `{{ a, b }}`).
    mutating func parseTuple(withCondexpr: Bool = true) throws -> Expression {
        let location = current.location
        let first = try parseExpression(withCondexpr: withCondexpr)
        guard isOp(",") else { return first }
        var items = [first]
        while skipOp(",") {
            if startsExpression { items.append(try parseExpression(withCondexpr: withCondexpr)) } else { break }
        }
        return Expression(kind: .tuple(items), location: location)
    }

    private var startsExpression: Bool {
        switch current.kind {
        case .name, .string, .integer, .float: return true
        case .op(let op): return ["(", "[", "{", "-", "+"].contains(op)
        default: return false
        }
    }

    mutating func parseExpression(withCondexpr: Bool = true) throws -> Expression {
        withCondexpr ? try parseConditional() : try parseOr()
    }

    private mutating func parseConditional() throws -> Expression {
        var value = try parseOr()
        while isName("if") {
            let location = current.location
            _ = advance()
            let test = try parseOr()
            let otherwise = skipName("else") ? try parseConditional() : nil
            value = Expression(kind: .conditional(test: test, then: value, else: otherwise), location: location)
        }
        return value
    }

    private mutating func parseOr() throws -> Expression {
        var left = try parseAnd()
        while isName("or") {
            let location = advance().location
            left = Expression(kind: .or(left, try parseAnd()), location: location)
        }
        return left
    }

    private mutating func parseAnd() throws -> Expression {
        var left = try parseNot()
        while isName("and") {
            let location = advance().location
            left = Expression(kind: .and(left, try parseNot()), location: location)
        }
        return left
    }

    private mutating func parseNot() throws -> Expression {
        if isName("not") {
            let location = advance().location
            return Expression(kind: .not(try parseNot()), location: location)
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> Expression {
        let location = current.location
        let left = try parseMath1()
        var operations: [(CompareOperator, Expression)] = []
        while true {
            if case .op(let op) = current.kind, let compare = CompareOperator(rawValue: op), compare != .contains {
                _ = advance()
                operations.append((compare, try parseMath1()))
            } else if skipName("in") {
                operations.append((.contains, try parseMath1()))
            } else if isName("not"), index + 1 < tokens.count, case .name("in") = tokens[index + 1].kind {
                _ = advance()
                _ = advance()
                operations.append((.notContains, try parseMath1()))
            } else {
                break
            }
        }
        return operations.isEmpty ? left : Expression(kind: .compare(left, operations), location: location)
    }

    private mutating func parseBinary(_ operators: [BinaryOperator], next: (inout Parser) throws -> Expression) throws -> Expression {
        var left = try next(&self)
        while case .op(let op) = current.kind, let binary = BinaryOperator(rawValue: op), operators.contains(binary) {
            let location = advance().location
            left = Expression(kind: .binary(binary, left, try next(&self)), location: location)
        }
        return left
    }

    private mutating func parseMath1() throws -> Expression {
        try parseBinary([.add, .subtract]) { try $0.parseConcat() }
    }

    private mutating func parseConcat() throws -> Expression {
        try parseBinary([.concatenate]) { try $0.parseMath2() }
    }

    private mutating func parseMath2() throws -> Expression {
        try parseBinary([.multiply, .divide, .floorDivide, .modulo]) { try $0.parsePow() }
    }

    private mutating func parsePow() throws -> Expression {
        try parseBinary([.power]) { try $0.parseUnary() }
    }

    private mutating func parseUnary(withFilter: Bool = true) throws -> Expression {
        let location = current.location
        var node: Expression
        if skipOp("-") {
            node = Expression(kind: .negate(try parseUnary(withFilter: false)), location: location)
        } else if skipOp("+") {
            node = Expression(kind: .plus(try parseUnary(withFilter: false)), location: location)
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        return withFilter ? try parseFilterExpression(node) : node
    }

    private mutating func parsePrimary() throws -> Expression {
        let token = advance()
        let location = token.location
        switch token.kind {
        case .name(let name):
            switch name {
            case "true", "True": return Expression(kind: .literal(.bool(true)), location: location)
            case "false", "False": return Expression(kind: .literal(.bool(false)), location: location)
            case "none", "None": return Expression(kind: .literal(.none), location: location)
            default: return Expression(kind: .name(name), location: location)
            }
        case .string(var value):
            // Adjacent string literals concatenate, as in Python.
            while case .string(let more) = current.kind {
                value += more
                _ = advance()
            }
            return Expression(kind: .literal(.string(value)), location: location)
        case .integer(let value): return Expression(kind: .literal(.int(value)), location: location)
        case .float(let value): return Expression(kind: .literal(.double(value)), location: location)
        case .op("("):
            if skipOp(")") { return Expression(kind: .tuple([]), location: location) }
            let inner = try parseExpression()
            if isOp(",") {
                var items = [inner]
                while skipOp(",") {
                    if isOp(")") { break }
                    items.append(try parseExpression())
                }
                try expectOp(")")
                return Expression(kind: .tuple(items), location: location)
            }
            try expectOp(")")
            return inner
        case .op("["):
            var items: [Expression] = []
            while !skipOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if skipOp("]") { break }
                items.append(try parseExpression())
            }
            return Expression(kind: .list(items), location: location)
        case .op("{"):
            var pairs: [(key: Expression, value: Expression)] = []
            while !skipOp("}") {
                if !pairs.isEmpty { try expectOp(",") }
                if skipOp("}") { break }
                let key = try parseExpression()
                try expectOp(":")
                pairs.append((key, try parseExpression()))
            }
            return Expression(kind: .dictionary(pairs), location: location)
        default:
            index -= 1
            throw unexpected(expecting: "an expression")
        }
    }

    private mutating func parsePostfix(_ base: Expression) throws -> Expression {
        var node = base
        while true {
            let location = current.location
            if skipOp(".") {
                let token = advance()
                switch token.kind {
                case .name(let name): node = Expression(kind: .attribute(node, name), location: location)
                case .integer(let value):
                    node = Expression(kind: .item(node, Expression(kind: .literal(.int(value)), location: token.location)), location: location)
                default:
                    index -= 1
                    throw unexpected(expecting: "an attribute name after '.'")
                }
            } else if skipOp("[") {
                node = try parseSubscript(node, at: location)
                try expectOp("]")
            } else if isOp("(") {
                node = Expression(kind: .call(node, try parseCallArguments()), location: node.location)
            } else {
                return node
            }
        }
    }

    private mutating func parseSubscript(_ base: Expression, at location: TemplateLocation) throws -> Expression {
        var start: Expression? = nil
        if !isOp(":") {
            let key = try parseExpression()
            guard isOp(":") else { return Expression(kind: .item(base, key), location: location) }
            start = key
        }
        _ = advance()  // the first ':'
        let stop = isOp("]") || isOp(":") ? nil : try parseExpression()
        var step: Expression? = nil
        if skipOp(":") && !isOp("]") { step = try parseExpression() }
        return Expression(kind: .slice(base, start: start, stop: stop, step: step), location: location)
    }

    mutating func parseCallArguments() throws -> Arguments {
        try expectOp("(")
        var arguments = Arguments()
        while !skipOp(")") {
            if !arguments.positional.isEmpty || !arguments.keywords.isEmpty { try expectOp(",") }
            if skipOp(")") { break }
            if isOp("*") || isOp("**") {
                throw ChatTemplateError.unsupported("'*' and '**' argument unpacking", at: current.location)
            }
            if case .name(let name) = current.kind, index + 1 < tokens.count, case .op("=") = tokens[index + 1].kind {
                _ = advance()
                _ = advance()
                arguments.keywords.append((name, try parseExpression()))
            } else {
                if !arguments.keywords.isEmpty {
                    throw ChatTemplateError.syntax("positional argument after keyword argument", at: current.location)
                }
                arguments.positional.append(try parseExpression())
            }
        }
        return arguments
    }

    private mutating func parseFilterExpression(_ base: Expression) throws -> Expression {
        var node = base
        while true {
            let location = current.location
            if skipOp("|") {
                let name = try expectName()
                let arguments = isOp("(") ? try parseCallArguments() : Arguments()
                node = Expression(kind: .filter(node, name: name, arguments), location: location)
            } else if skipName("is") {
                let negated = skipName("not")
                var name = try expectName()
                if name == "none" || name == "true" || name == "false" { name = name.lowercased() }
                var arguments = Arguments()
                if isOp("(") {
                    arguments = try parseCallArguments()
                } else if startsTestArgument {
                    arguments.positional = [try parsePostfix(try parsePrimary())]
                }
                node = Expression(kind: .test(node, name: name, arguments, negated: negated), location: location)
            } else if isOp("(") {
                node = Expression(kind: .call(node, try parseCallArguments()), location: node.location)
            } else {
                return node
            }
        }
    }

    /// `x is divisibleby 3`: a test takes one argument without parentheses when one follows.
    private var startsTestArgument: Bool {
        switch current.kind {
        case .name(let name): return !["else", "or", "and", "is", "if", "in", "not"].contains(name)
        case .string, .integer, .float: return true
        case .op(let op): return op == "[" || op == "{"
        default: return false
        }
    }
}
