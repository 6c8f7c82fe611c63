/// One lexical unit of a template: literal text between tags, a tag delimiter, or a piece of an
/// expression inside `{{ }}` / `{% %}`.
struct Token {
    enum Kind: Equatable {
        case text(String)
        case variableBegin, variableEnd, blockBegin, blockEnd
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        case op(String)
        case end
    }

    let kind: Kind
    let location: TemplateLocation

    /// How the token reads in an error message.
    var spelling: String {
        switch kind {
        case .text: return "template text"
        case .variableBegin: return "'{{'"
        case .variableEnd: return "'}}'"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "'%}'"
        case .name(let name): return "'\(name)'"
        case .string(let value): return "string '\(value)'"
        case .integer(let value): return "integer \(value)"
        case .float(let value): return "number \(value)"
        case .op(let op): return "'\(op)'"
        case .end: return "end of template"
        }
    }
}

/// Python's `str.isspace()`, which Jinja's whitespace control and `trim` follow.
func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
}
