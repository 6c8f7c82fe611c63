import Foundation

/// Runs a parsed template against a context and collects its output.
///
/// Scoping follows Jinja: each `for` iteration and each macro call has its own scope (so a `set`
/// inside a loop is gone after it, which is why templates use `namespace`), `if` has none.
final class Interpreter {
    var scopes: [[String: Value]]
    var output = ""
    let now: Date
    let timeZone: TimeZone

    /// How a statement list finished: normally, or by `break` / `continue`.
    enum Flow { case normal, breakLoop, continueLoop }

    init(context: [String: Value], now: Date, timeZone: TimeZone) {
        self.now = now
        self.timeZone = timeZone
        scopes = [[:]]
        scopes[0] = Globals.make(self)
        scopes[0].merge(context) { _, new in new }
    }

    func lookup(_ name: String) -> Value {
        for scope in scopes.reversed() {
            if let value = scope[name] { return value }
        }
        return .undefined(hint: "'\(name)' is undefined")
    }

    func assign(_ name: String, _ value: Value) {
        scopes[scopes.count - 1][name] = value
    }

    // MARK: statements

    @discardableResult
    func execute(_ nodes: [Node]) throws -> Flow {
        for node in nodes {
            let flow = try execute(node)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func execute(_ node: Node) throws -> Flow {
        switch node.kind {
        case .text(let text):
            output += text
        case .output(let expression):
            output += try evaluate(expression).pythonString
        case .conditional(let branches, let otherwise):
            for branch in branches where try evaluate(branch.condition).isTruthy {
                return try execute(branch.body)
            }
            return try execute(otherwise)
        case .loop(let target, let iterable, let filter, let body, let otherwise):
            return try executeLoop(target: target, iterable: iterable, filter: filter, body: body, otherwise: otherwise, at: node.location)
        case .set(let target, let expression):
            try bind(target, to: try evaluate(expression), at: node.location)
        case .setBlock(let target, let body, let filters):
            var value = Value.string(try capture(body))
            for (name, arguments) in filters {
                value = try Filters.apply(name, to: value, arguments: try evaluateArguments(arguments, at: node.location), in: self)
            }
            try bind(target, to: value, at: node.location)
        case .filterBlock(let filters, let body):
            var value = Value.string(try capture(body))
            for (name, arguments) in filters {
                value = try Filters.apply(name, to: value, arguments: try evaluateArguments(arguments, at: node.location), in: self)
            }
            output += value.pythonString
        case .macro(let definition):
            assign(definition.name, .function(makeMacro(definition)))
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        case .generation(let body):
            return try execute(body)
        }
        return .normal
    }

    /// Renders `nodes` into a string of their own instead of the output.
    func capture(_ nodes: [Node]) throws -> String {
        let saved = output
        output = ""
        defer { output = saved }
        try execute(nodes)
        return output
    }

    func bind(_ target: AssignTarget, to value: Value, at location: TemplateLocation) throws {
        switch target {
        case .name(let name):
            assign(name, value)
        case .names(let names):
            let items = try iterate(value, at: location)
            guard items.count == names.count else {
                throw ChatTemplateError.runtime("cannot unpack \(items.count) values into \(names.count) names", at: location)
            }
            for (name, item) in zip(names, items) { assign(name, item) }
        case .attribute(let namespaceName, let attribute):
            guard case .namespace(let namespace) = lookup(namespaceName) else {
                throw ChatTemplateError.runtime("cannot assign attribute on non-namespace object '\(namespaceName)'", at: location)
            }
            guard !attribute.hasPrefix("_") else {
                throw ChatTemplateError.runtime("cannot store underscore-prefixed attribute '\(attribute)' on a namespace", at: location)
            }
            namespace.attributes[attribute] = value
        }
    }

    private func executeLoop(target: AssignTarget, iterable: Expression, filter: Expression?, body: [Node],
                             otherwise: [Node], at location: TemplateLocation) throws -> Flow {
        var items = try iterate(try evaluate(iterable), at: iterable.location)
        if let filter {
            var kept: [Value] = []
            for item in items {
                scopes.append([:])
                defer { scopes.removeLast() }
                try bind(target, to: item, at: location)
                if try evaluate(filter).isTruthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty { return try execute(otherwise) }
        let length = items.count
        for (index, item) in items.enumerated() {
            scopes.append([:])
            defer { scopes.removeLast() }
            var loop = Value.Dictionary()
            loop["index"] = .int(index + 1)
            loop["index0"] = .int(index)
            loop["revindex"] = .int(length - index)
            loop["revindex0"] = .int(length - index - 1)
            loop["first"] = .bool(index == 0)
            loop["last"] = .bool(index == length - 1)
            loop["length"] = .int(length)
            loop["depth"] = .int(1)
            loop["depth0"] = .int(0)
            loop["previtem"] = index > 0 ? items[index - 1] : .undefined(hint: "there is no previous item")
            loop["nextitem"] = index + 1 < length ? items[index + 1] : .undefined(hint: "there is no next item")
            loop["cycle"] = .function(Value.Function(name: "cycle") { arguments in
                guard !arguments.positional.isEmpty else {
                    throw ChatTemplateError.runtime("no items for cycling given", at: arguments.location)
                }
                return arguments.positional[index % arguments.positional.count]
            })
            assign("loop", .dictionary(loop))
            try bind(target, to: item, at: location)
            if try execute(body) == .breakLoop { break }
        }
        return .normal
    }

    /// What `for` iterates: list items, dictionary keys, string characters; undefined is empty.
    func iterate(_ value: Value, at location: TemplateLocation) throws -> [Value] {
        switch value {
        case .list(let items, _): return items
        case .dictionary(let dictionary): return dictionary.keys.map(Value.string)
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        default:
            throw ChatTemplateError.runtime("'\(value.typeName)' object is not iterable", at: location)
        }
    }

    private func makeMacro(_ definition: MacroDefinition) -> Value.Function {
        Value.Function(name: definition.name) { [unowned self] arguments in
            var frame: [String: Value] = [:]
            guard arguments.positional.count <= definition.parameters.count else {
                throw ChatTemplateError.runtime("macro '\(definition.name)' takes \(definition.parameters.count) arguments", at: arguments.location)
            }
            for (position, parameter) in definition.parameters.enumerated() {
                if let value = arguments.value(position, parameter.name) {
                    frame[parameter.name] = value
                } else if let defaultValue = parameter.defaultValue {
                    frame[parameter.name] = try self.evaluate(defaultValue)
                } else {
                    frame[parameter.name] = .undefined(hint: "parameter '\(parameter.name)' was not provided")
                }
            }
            for keyword in arguments.keywords where !definition.parameters.contains(where: { $0.name == keyword.name }) {
                throw ChatTemplateError.runtime("macro '\(definition.name)' has no parameter '\(keyword.name)'", at: arguments.location)
            }
            let saved = self.scopes
            self.scopes = [self.scopes[0], frame]
            defer { self.scopes = saved }
            return .string(try self.capture(definition.body))
        }
    }
}
