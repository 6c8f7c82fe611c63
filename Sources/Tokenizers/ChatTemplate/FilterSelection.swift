/// The filters that walk a sequence: `map`, `select`/`reject`, `selectattr`/`rejectattr`, and the
/// aggregates `unique`, `sort`, `min`, `max`, `sum`.
enum FilterSelection {
    static func apply(_ name: String, to value: Value, arguments: CallArguments, in interpreter: Interpreter) throws -> [Value] {
        let location = arguments.location
        // Jinja skips a falsy input (`none | selectattr(...)` is empty) instead of iterating it.
        guard value.isTruthy else { return [] }
        let items = try interpreter.iterate(value, at: location)
        if name == "map" {
            if let attribute = arguments.keywords.first(where: { $0.name == "attribute" })?.value {
                let fallback = arguments.keywords.first { $0.name == "default" }?.value
                return try items.map { item in
                    let value = try Filters.attributePath(attribute, of: item, in: interpreter, at: location)
                    if value.isUndefined, let fallback { return fallback }
                    return value
                }
            }
            guard case .string(let filter)? = arguments.positional.first else {
                throw ChatTemplateError.runtime("map requires a filter name or attribute=", at: location)
            }
            try Filters.validate(filter, at: location)
            let rest = CallArguments(positional: Array(arguments.positional.dropFirst()), keywords: arguments.keywords, location: location)
            return try items.map { try Filters.apply(filter, to: $0, arguments: rest, in: interpreter) }
        }
        let byAttribute = name.hasSuffix("attr")
        let keep = name.hasPrefix("select")
        var positional = arguments.positional
        var attribute: Value? = nil
        if byAttribute {
            guard !positional.isEmpty else { throw ChatTemplateError.runtime("\(name) requires an attribute name", at: location) }
            attribute = positional.removeFirst()
        }
        var test: String? = nil
        if !positional.isEmpty {
            test = positional.removeFirst().pythonString
            try TemplateTests.validate(test!, at: location)
        }
        let testArguments = CallArguments(positional: positional, keywords: [], location: location)
        return try items.filter { item in
            let subject = try attribute.map { try Filters.attributePath($0, of: item, in: interpreter, at: location) } ?? item
            let passes = try test.map { try TemplateTests.apply($0, to: subject, arguments: testArguments, in: interpreter) } ?? subject.isTruthy
            return passes == keep
        }
    }

    static func aggregate(_ name: String, items: [Value], arguments: CallArguments, in interpreter: Interpreter) throws -> Value {
        let location = arguments.location
        let attribute = arguments.keywords.first { $0.name == "attribute" }?.value
        func key(_ item: Value, caseSensitive: Bool) throws -> Value {
            let value = try attribute.map { try Filters.attributePath($0, of: item, in: interpreter, at: location) } ?? item
            if !caseSensitive, case .string(let s) = value { return .string(s.lowercased()) }
            return value
        }
        let caseSensitive = arguments.keywords.first { $0.name == "case_sensitive" }?.value.isTruthy ?? false
        switch name {
        case "sum":
            let start = arguments.value(1, "start") ?? .int(0)
            return try items.reduce(start) { total, item in
                let value = try attribute.map { try Filters.attributePath($0, of: item, in: interpreter, at: location) } ?? item
                return try Operators.binary(.add, total, value, at: location)
            }
        case "unique":
            var seen: [Value] = []
            var result: [Value] = []
            for item in items {
                let k = try key(item, caseSensitive: caseSensitive)
                if !seen.contains(k) { seen.append(k); result.append(item) }
            }
            return .list(result)
        case "min", "max":
            guard var best = items.first else { return .undefined(hint: "No aggregated item, sequence was empty.") }
            for item in items.dropFirst() {
                let order = try Operators.order(try key(item, caseSensitive: caseSensitive), try key(best, caseSensitive: caseSensitive), at: location)
                if name == "min" ? order < 0 : order > 0 { best = item }
            }
            return best
        default:
            let reverse = arguments.value(0, "reverse")?.isTruthy ?? false
            let sensitive = arguments.value(1, "case_sensitive")?.isTruthy ?? false
            let keyed = try items.map { (key: try key($0, caseSensitive: sensitive), item: $0) }
            var failure: Error? = nil
            // A stable sort, as Python's is.
            let sorted = keyed.enumerated().sorted { a, b in
                do {
                    let order = try Operators.order(a.element.key, b.element.key, at: location)
                    if order != 0 { return reverse ? order > 0 : order < 0 }
                } catch { failure = error }
                return a.offset < b.offset
            }
            if let failure { throw failure }
            return .list(sorted.map(\.element.item))
        }
    }
}
