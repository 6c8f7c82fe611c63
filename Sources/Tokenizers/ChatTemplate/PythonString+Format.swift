/// `str.format` for the plain replacement fields templates use: `{}`, `{0}`, `{name}`, `{!r}`.
extension PythonString {
    static func format(_ text: String, _ arguments: CallArguments) throws -> Value {
        let location = arguments.location
        var result = ""
        var automatic = 0
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            if scalar == "}" {
                guard scalars.first == "}" else { throw ChatTemplateError.runtime("Single '}' encountered in format string", at: location) }
                scalars.removeFirst()
                result += "}"
                continue
            }
            guard scalar == "{" else { result.unicodeScalars.append(scalar); continue }
            if scalars.first == "{" { scalars.removeFirst(); result += "{"; continue }
            guard let close = scalars.firstIndex(of: "}") else {
                throw ChatTemplateError.runtime("Single '{' encountered in format string", at: location)
            }
            var field = make(scalars[..<close])
            scalars = scalars[(close + 1)...]
            var conversion: Character? = nil
            if let bang = field.firstIndex(of: "!") {
                conversion = field[field.index(after: bang)...].first
                field = String(field[..<bang])
            }
            guard !field.contains(":"), !field.contains("."), !field.contains("[") else {
                throw ChatTemplateError.unsupported("str.format() field '{\(field)}' (format specs and attribute lookups)", at: location)
            }
            let value: Value?
            if field.isEmpty {
                value = automatic < arguments.positional.count ? arguments.positional[automatic] : nil
                automatic += 1
            } else if let index = Int(field) {
                value = index < arguments.positional.count ? arguments.positional[index] : nil
            } else {
                value = arguments.keywords.first { $0.name == field }?.value
            }
            guard let value else { throw ChatTemplateError.runtime("str.format(): no argument for '{\(field)}'", at: location) }
            result += conversion == "r" ? value.pythonRepr : value.pythonString
        }
        return .string(result)
    }
}
