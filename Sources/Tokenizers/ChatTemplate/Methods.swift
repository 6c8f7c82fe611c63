/// The Python methods templates call on strings, dictionaries and lists (`content.strip()`,
/// `message.get('x')`, `tools.items()`). Methods that would mutate a list or dictionary raise,
/// as they do in transformers' immutable sandbox.
enum Methods {
    static func bound(_ name: String, to value: Value) -> Value.Function? {
        switch value {
        case .string(let text): return stringMethod(name, text)
        case .dictionary(let dictionary): return dictionaryMethod(name, dictionary)
        case .list(let items, _): return listMethod(name, items)
        default: return nil
        }
    }

    private static func method(_ name: String, _ body: @escaping (CallArguments) throws -> Value) -> Value.Function {
        Value.Function(name: name, call: body)
    }

    private static func unsafe(_ name: String, _ type: String) -> Value.Function {
        method(name) { arguments in
            // Jinja's sandbox message; transformers' environment is immutable, so templates cannot change their inputs.
            throw ChatTemplateError.runtime("access to attribute '\(name)' of '\(type)' object is unsafe.", at: arguments.location)
        }
    }

    static func string(_ value: Value?, _ what: String, at location: TemplateLocation) throws -> String? {
        guard let value, !(value == .none) else { return nil }
        guard case .string(let s) = value else {
            throw ChatTemplateError.runtime("\(what) must be str or None, not \(value.typeName)", at: location)
        }
        return s
    }

    private static func stringMethod(_ name: String, _ text: String) -> Value.Function? {
        switch name {
        case "strip", "lstrip", "rstrip":
            return method(name) { arguments in
                let chars = try string(arguments.value(0, "chars"), "strip arg", at: arguments.location)
                return .string(PythonString.strip(text, chars: chars, leading: name != "rstrip", trailing: name != "lstrip"))
            }
        case "upper": return method(name) { _ in .string(text.uppercased()) }
        case "lower": return method(name) { _ in .string(text.lowercased()) }
        case "title": return method(name) { _ in .string(PythonString.title(text)) }
        case "capitalize": return method(name) { _ in .string(PythonString.capitalize(text)) }
        case "startswith", "endswith":
            return method(name) { arguments in
                guard let argument = arguments.value(0, "prefix") else {
                    throw ChatTemplateError.runtime("\(name)() takes at least 1 argument", at: arguments.location)
                }
                let candidates: [Value]
                if case .list(let items, _) = argument { candidates = items } else { candidates = [argument] }
                for candidate in candidates {
                    guard case .string(let affix) = candidate else {
                        throw ChatTemplateError.runtime("\(name) first arg must be str or a tuple of str, not \(candidate.typeName)", at: arguments.location)
                    }
                    if name == "startswith" ? text.unicodeScalars.starts(with: affix.unicodeScalars)
                        : text.unicodeScalars.reversed().starts(with: affix.unicodeScalars.reversed()) {
                        return .bool(true)
                    }
                }
                return .bool(false)
            }
        case "split", "rsplit":
            return method(name) { arguments in
                let separator = try string(arguments.value(0, "sep"), "sep", at: arguments.location)
                let limit = arguments.value(1, "maxsplit")?.integer ?? -1
                if separator == "" { throw ChatTemplateError.runtime("empty separator", at: arguments.location) }
                return .list(PythonString.split(text, separator: separator, limit: limit, fromEnd: name == "rsplit").map(Value.string))
            }
        case "splitlines":
            return method(name) { _ in .list(PythonString.splitLines(text).map(Value.string)) }
        case "replace":
            return method(name) { arguments in
                guard let old = try string(arguments.value(0, "old"), "replace arg", at: arguments.location),
                      let new = try string(arguments.value(1, "new"), "replace arg", at: arguments.location)
                else { throw ChatTemplateError.runtime("replace() takes 2 string arguments", at: arguments.location) }
                return .string(PythonString.replace(text, old, new, count: arguments.value(2, "count")?.integer ?? -1))
            }
        case "find", "rfind", "index", "rindex", "count":
            return method(name) { arguments in
                guard let needle = try string(arguments.value(0, "sub"), "\(name) arg", at: arguments.location) else {
                    throw ChatTemplateError.runtime("\(name)() takes a string argument", at: arguments.location)
                }
                if name == "count" { return .int(PythonString.count(needle, in: text)) }
                let found = PythonString.find(needle, in: text, fromEnd: name.hasPrefix("r"))
                if found < 0 && name.hasSuffix("index") { throw ChatTemplateError.runtime("substring not found", at: arguments.location) }
                return .int(found)
            }
        case "join":
            return method(name) { arguments in
                guard let items = arguments.value(0, "iterable") else {
                    throw ChatTemplateError.runtime("join() takes exactly one argument", at: arguments.location)
                }
                guard case .list(let values, _) = items else {
                    throw ChatTemplateError.runtime("can only join a list", at: arguments.location)
                }
                return .string(try values.map { value -> String in
                    guard case .string(let s) = value else {
                        throw ChatTemplateError.runtime("sequence item: expected str instance, \(value.typeName) found", at: arguments.location)
                    }
                    return s
                }.joined(separator: text))
            }
        case "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower":
            return method(name) { _ in .bool(PythonString.classify(text, name)) }
        case "format":
            return method(name) { arguments in try PythonString.format(text, arguments) }
        default: return nil
        }
    }

    private static func dictionaryMethod(_ name: String, _ dictionary: Value.Dictionary) -> Value.Function? {
        switch name {
        case "get":
            return method(name) { arguments in
                guard case .string(let key)? = arguments.value(0, "key") else { return arguments.value(1, "default") ?? .none }
                return dictionary[key] ?? arguments.value(1, "default") ?? .none
            }
        case "items":
            return method(name) { _ in .list(dictionary.pairs.map { .list([.string($0.key), $0.value], isTuple: true) }) }
        case "keys": return method(name) { _ in .list(dictionary.keys.map(Value.string)) }
        case "values": return method(name) { _ in .list(dictionary.values) }
        case "copy": return method(name) { _ in .dictionary(dictionary) }
        case "pop", "popitem", "update", "setdefault", "clear": return unsafe(name, "dict")
        default: return nil
        }
    }

    private static func listMethod(_ name: String, _ items: [Value]) -> Value.Function? {
        switch name {
        case "index":
            return method(name) { arguments in
                guard let needle = arguments.value(0, "value"), let found = items.firstIndex(of: needle) else {
                    throw ChatTemplateError.runtime("value is not in list", at: arguments.location)
                }
                return .int(found)
            }
        case "count":
            return method(name) { arguments in
                let needle = arguments.value(0, "value") ?? .none
                return .int(items.filter { $0 == needle }.count)
            }
        case "append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear": return unsafe(name, "list")
        default: return nil
        }
    }
}
