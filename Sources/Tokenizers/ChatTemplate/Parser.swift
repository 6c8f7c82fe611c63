/// Builds the statement tree from tokens. The expression grammar lives in `Parser+Expressions.swift`.
struct Parser {
    let tokens: [Token]
    var index = 0

    init(tokens: [Token]) {
        self.tokens = tokens
    }

    static func parse(_ template: String) throws -> [Node] {
        var parser = Parser(tokens: try Lexer.tokenize(template))
        let (nodes, stop) = try parser.parseBody(until: [])
        if let stop {
            throw ChatTemplateError.syntax("unexpected '\(stop.name)' without an opening tag", at: stop.location)
        }
        try NameCheck.check(nodes)
        return nodes
    }

    // MARK: token helpers

    var current: Token { tokens[index] }

    mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    func isName(_ name: String) -> Bool {
        if case .name(name) = current.kind { return true }
        return false
    }

    func isOp(_ op: String) -> Bool {
        if case .op(op) = current.kind { return true }
        return false
    }

    mutating func skipName(_ name: String) -> Bool {
        guard isName(name) else { return false }
        _ = advance()
        return true
    }

    mutating func skipOp(_ op: String) -> Bool {
        guard isOp(op) else { return false }
        _ = advance()
        return true
    }

    mutating func expectOp(_ op: String) throws {
        guard skipOp(op) else { throw unexpected(expecting: "'\(op)'") }
    }

    mutating func expectName() throws -> String {
        guard case .name(let name) = current.kind else { throw unexpected(expecting: "a name") }
        _ = advance()
        return name
    }

    mutating func expectBlockEnd() throws {
        guard case .blockEnd = current.kind else { throw unexpected(expecting: "'%}'") }
        _ = advance()
    }

    func unexpected(expecting: String) -> ChatTemplateError {
        .syntax("expected \(expecting), found \(current.spelling)", at: current.location)
    }

    // MARK: statements

    /// Parses nodes until a block tag whose keyword is in `terminators`; returns that keyword
    /// (the parser then stands just after it, inside the tag) or nil at the end of the template.
    mutating func parseBody(until terminators: Set<String>) throws -> ([Node], (name: String, location: TemplateLocation)?) {
        var nodes: [Node] = []
        while true {
            let token = advance()
            switch token.kind {
            case .end:
                return (nodes, nil)
            case .text(let text):
                nodes.append(Node(kind: .text(text), location: token.location))
            case .variableBegin:
                let expression = try parseTuple()
                guard case .variableEnd = current.kind else { throw unexpected(expecting: "'}}'") }
                _ = advance()
                nodes.append(Node(kind: .output(expression), location: token.location))
            case .blockBegin:
                let keywordLocation = current.location
                let keyword = try expectName()
                if terminators.contains(keyword) { return (nodes, (keyword, keywordLocation)) }
                if keyword.hasPrefix("end") || keyword == "elif" || keyword == "else" {
                    return (nodes, (keyword, keywordLocation))
                }
                nodes.append(try parseStatement(keyword, at: keywordLocation))
            default:
                throw ChatTemplateError.syntax("unexpected \(token.spelling)", at: token.location)
            }
        }
    }

    /// Parses a body that must end with one of `terminators`.
    mutating func parseRequiredBody(until terminators: Set<String>, opener: String, at location: TemplateLocation) throws -> ([Node], String) {
        let (nodes, stop) = try parseBody(until: terminators)
        guard let stop else {
            let names = terminators.sorted().map { "'\($0)'" }.joined(separator: " or ")
            throw ChatTemplateError.syntax("'\(opener)' is never closed: expected \(names)", at: location)
        }
        guard terminators.contains(stop.name) else {
            throw ChatTemplateError.syntax("unexpected '\(stop.name)' inside '\(opener)'", at: stop.location)
        }
        return (nodes, stop.name)
    }

    mutating func parseStatement(_ keyword: String, at location: TemplateLocation) throws -> Node {
        switch keyword {
        case "if": return try parseIf(at: location)
        case "for": return try parseFor(at: location)
        case "set": return try parseSet(at: location)
        case "macro": return try parseMacro(at: location)
        case "filter":
            let filters = try parseFilterChain(first: true)
            try expectBlockEnd()
            let (body, _) = try parseRequiredBody(until: ["endfilter"], opener: "filter", at: location)
            try expectBlockEnd()
            return Node(kind: .filterBlock(filters: filters, body: body), location: location)
        case "break", "continue":
            try expectBlockEnd()
            return Node(kind: keyword == "break" ? .breakLoop : .continueLoop, location: location)
        case "generation":
            try expectBlockEnd()
            let (body, _) = try parseRequiredBody(until: ["endgeneration"], opener: "generation", at: location)
            try expectBlockEnd()
            return Node(kind: .generation(body), location: location)
        case "include", "import", "from", "extends", "block", "call", "with", "autoescape", "do", "trans":
            throw ChatTemplateError.unsupported("the '\(keyword)' statement", at: location)
        default:
            throw ChatTemplateError.syntax("unknown statement '\(keyword)'", at: location)
        }
    }

    mutating func parseIf(at location: TemplateLocation) throws -> Node {
        var branches: [(condition: Expression, body: [Node])] = []
        var condition = try parseTuple(withCondexpr: false)
        while true {
            try expectBlockEnd()
            let (body, stop) = try parseRequiredBody(until: ["elif", "else", "endif"], opener: "if", at: location)
            branches.append((condition, body))
            switch stop {
            case "elif":
                condition = try parseTuple(withCondexpr: false)
            case "else":
                try expectBlockEnd()
                let (otherwise, _) = try parseRequiredBody(until: ["endif"], opener: "if", at: location)
                try expectBlockEnd()
                return Node(kind: .conditional(branches: branches, otherwise: otherwise), location: location)
            default:
                try expectBlockEnd()
                return Node(kind: .conditional(branches: branches, otherwise: []), location: location)
            }
        }
    }

    mutating func parseFor(at location: TemplateLocation) throws -> Node {
        let target = try parseAssignTarget(allowNamespace: false)
        guard skipName("in") else { throw unexpected(expecting: "'in'") }
        let iterable = try parseTuple(withCondexpr: false)
        let filter = skipName("if") ? try parseExpression() : nil
        if isName("recursive") {
            throw ChatTemplateError.unsupported("recursive for loops", at: current.location)
        }
        try expectBlockEnd()
        let (body, stop) = try parseRequiredBody(until: ["endfor", "else"], opener: "for", at: location)
        var otherwise: [Node] = []
        if stop == "else" {
            try expectBlockEnd()
            (otherwise, _) = try parseRequiredBody(until: ["endfor"], opener: "for", at: location)
        }
        try expectBlockEnd()
        return Node(kind: .loop(target: target, iterable: iterable, filter: filter, body: body, otherwise: otherwise), location: location)
    }

    mutating func parseSet(at location: TemplateLocation) throws -> Node {
        let target = try parseAssignTarget(allowNamespace: true)
        if skipOp("=") {
            let value = try parseTuple()
            try expectBlockEnd()
            return Node(kind: .set(target, value), location: location)
        }
        let filters = isOp("|") ? try parseFilterChain(first: false) : []
        try expectBlockEnd()
        let (body, _) = try parseRequiredBody(until: ["endset"], opener: "set", at: location)
        try expectBlockEnd()
        return Node(kind: .setBlock(target, body: body, filters: filters), location: location)
    }

    mutating func parseAssignTarget(allowNamespace: Bool) throws -> AssignTarget {
        let parenthesized = skipOp("(")
        let first = try expectName()
        if allowNamespace && !parenthesized && skipOp(".") {
            return .attribute(namespace: first, attribute: try expectName())
        }
        var names = [first]
        while skipOp(",") {
            if case .name = current.kind { names.append(try expectName()) } else { break }
        }
        if parenthesized { try expectOp(")") }
        return names.count == 1 && !parenthesized ? .name(first) : .names(names)
    }

    mutating func parseMacro(at location: TemplateLocation) throws -> Node {
        let name = try expectName()
        try expectOp("(")
        var parameters: [(name: String, defaultValue: Expression?)] = []
        while !skipOp(")") {
            if !parameters.isEmpty { try expectOp(",") }
            if skipOp(")") { break }
            let parameter = try expectName()
            parameters.append((parameter, skipOp("=") ? try parseExpression() : nil))
        }
        try expectBlockEnd()
        let (body, _) = try parseRequiredBody(until: ["endmacro"], opener: "macro", at: location)
        if case .name = current.kind { _ = advance() }  // `{% endmacro name %}`
        try expectBlockEnd()
        return Node(kind: .macro(MacroDefinition(name: name, parameters: parameters, body: body)), location: location)
    }

    /// `name(args) | name ...` after `{% filter` (first is true) or after `{% set x |`.
    mutating func parseFilterChain(first: Bool) throws -> [(name: String, Arguments)] {
        var filters: [(name: String, Arguments)] = []
        var needsPipe = !first
        while true {
            if needsPipe && !skipOp("|") { return filters }
            needsPipe = true
            let name = try expectName()
            filters.append((name, isOp("(") ? try parseCallArguments() : Arguments()))
        }
    }
}
