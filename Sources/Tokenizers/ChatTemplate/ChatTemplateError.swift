/// A position in a chat template's source: 1-based line and column, counted in Unicode scalars
/// after the template's line breaks are normalized to `\n` (as Jinja does).
public struct TemplateLocation: Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line.
    public var line: Int
    /// The 1-based column, in Unicode scalars.
    public var column: Int

    /// Creates a location from a 1-based line and column.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `line L, column C`.
    public var description: String { "line \(line), column \(column)" }
}

/// Everything that can go wrong parsing or rendering a chat template.
///
/// Each case carries the template position it arose at, so a failing template can be fixed.
public enum ChatTemplateError: Error, Equatable, CustomStringConvertible {
    /// The template is not valid Jinja (an unclosed tag, a missing `endfor`, an unexpected token).
    case syntax(String, at: TemplateLocation)
    /// The template is valid Jinja but uses a construct this interpreter does not implement
    /// (`include`, `extends`, `call` blocks, an unknown filter or test...); the message names it.
    case unsupported(String, at: TemplateLocation)
    /// The template itself called `raise_exception(message)`, typically to reject a conversation
    /// shape (roles not alternating, a system message the model does not accept).
    case raised(String, at: TemplateLocation)
    /// Rendering failed: an attribute of an undefined value, a type mismatch in an operator,
    /// a forbidden operation (mutating a list in the sandbox), a value `tojson` cannot encode.
    case runtime(String, at: TemplateLocation)

    /// The message without the position.
    public var message: String {
        switch self {
        case .syntax(let message, _), .unsupported(let message, _), .raised(let message, _), .runtime(let message, _):
            return message
        }
    }

    /// Where in the template the error arose.
    public var location: TemplateLocation {
        switch self {
        case .syntax(_, let at), .unsupported(_, let at), .raised(_, let at), .runtime(_, let at):
            return at
        }
    }

    /// A one-line description naming the kind, the position and the message.
    public var description: String {
        switch self {
        case .syntax(let message, let at): return "chat template syntax error at \(at): \(message)"
        case .unsupported(let message, let at): return "chat template construct not supported at \(at): \(message)"
        case .raised(let message, let at): return "chat template raised an exception at \(at): \(message)"
        case .runtime(let message, let at): return "chat template rendering failed at \(at): \(message)"
        }
    }
}
