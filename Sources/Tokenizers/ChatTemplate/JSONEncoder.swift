/// transformers' `tojson` filter: Python `json.dumps(x, ensure_ascii=False, indent=None,
/// separators=None, sort_keys=False)` with each option overridable from the template.
/// Unlike Jinja's own `tojson` it does not HTML-escape `<`, `>`, `&` and `'`.
struct PythonJSONEncoder {
    var ensureASCII = false
    /// Spaces (or the string) per nesting level; nil writes everything on one line.
    var indent: String? = nil
    var itemSeparator = ", "
    var keySeparator = ": "
    var sortKeys = false

    func encode(_ value: Value, at location: TemplateLocation) throws -> String {
        var output = ""
        try write(value, level: 0, into: &output, at: location)
        return output
    }

    private func write(_ value: Value, level: Int, into output: inout String, at location: TemplateLocation) throws {
        switch value {
        case .none: output += "null"
        case .bool(let b): output += b ? "true" : "false"
        case .int(let i): output += String(i)
        case .double(let d):
            if d.isNaN { output += "NaN" } else if d.isInfinite { output += d < 0 ? "-Infinity" : "Infinity" } else { output += Value.pythonFloat(d) }
        case .string(let s): writeString(s, into: &output)
        case .list(let items, _):
            try writeContainer(open: "[", close: "]", count: items.count, level: level, into: &output) { index, output in
                try write(items[index], level: level + 1, into: &output, at: location)
            }
        case .dictionary(let dictionary):
            var pairs = dictionary.pairs
            if sortKeys { pairs.sort { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) } }
            try writeContainer(open: "{", close: "}", count: pairs.count, level: level, into: &output) { index, output in
                writeString(pairs[index].key, into: &output)
                output += keySeparator
                try write(pairs[index].value, level: level + 1, into: &output, at: location)
            }
        case .namespace, .function, .undefined:
            throw ChatTemplateError.runtime("Object of type \(value.typeName) is not JSON serializable", at: location)
        }
    }

    private func writeContainer(open: String, close: String, count: Int, level: Int, into output: inout String,
                                element: (Int, inout String) throws -> Void) throws {
        output += open
        guard count > 0 else { output += close; return }
        let newline = indent.map { "\n" + String(repeating: $0, count: level + 1) }
        for index in 0..<count {
            if index > 0 { output += itemSeparator }
            if let newline { output += newline }
            try element(index, &output)
        }
        if let indent { output += "\n" + String(repeating: indent, count: level) }
        output += close
    }

    private func writeString(_ text: String, into output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            default:
                if scalar.value < 0x20 {
                    output += "\\u" + hex(scalar.value, width: 4)
                } else if ensureASCII && scalar.value > 0x7E {
                    if scalar.value > 0xFFFF {
                        let v = scalar.value - 0x10000
                        output += "\\u" + hex(0xD800 + (v >> 10), width: 4) + "\\u" + hex(0xDC00 + (v & 0x3FF), width: 4)
                    } else {
                        output += "\\u" + hex(scalar.value, width: 4)
                    }
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
