/// Splits a template into tokens with the whitespace rules `transformers` configures Jinja with:
/// `trim_blocks` (the newline after a block or comment tag is dropped), `lstrip_blocks` (spaces and
/// tabs before a block or comment tag on its own line are dropped), `-`/`+` markers on tags, and
/// `keep_trailing_newline=False` (one final newline of the template is dropped).
struct Lexer {
    private let source: [Unicode.Scalar]
    private var lineStarts: [Int] = [0]
    private var position = 0
    private var tokens: [Token] = []
    /// Whether the text that follows starts a line: after a tag whose end consumed a newline.
    private var lineStarting = true

    init(_ template: String) {
        // Jinja normalizes \r\n and \r to \n and drops one trailing newline before lexing.
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(template.unicodeScalars.count)
        var previousWasCR = false
        for scalar in template.unicodeScalars {
            if scalar == "\r" {
                scalars.append("\n")
                previousWasCR = true
                continue
            }
            if scalar == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = false
            scalars.append(scalar)
        }
        if scalars.last == "\n" { scalars.removeLast() }
        source = scalars
        for (index, scalar) in source.enumerated() where scalar == "\n" { lineStarts.append(index + 1) }
    }

    static func tokenize(_ template: String) throws -> [Token] {
        var lexer = Lexer(template)
        try lexer.run()
        return lexer.tokens
    }

    func location(_ offset: Int) -> TemplateLocation {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return TemplateLocation(line: low + 1, column: offset - lineStarts[low] + 1)
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let index = position + offset
        return index < source.count ? source[index] : nil
    }

    private func matches(_ text: String, at index: Int) -> Bool {
        var i = index
        for scalar in text.unicodeScalars {
            guard i < source.count, source[i] == scalar else { return false }
            i += 1
        }
        return true
    }

    private mutating func run() throws {
        while position < source.count {
            try lexText()
        }
        tokens.append(Token(kind: .end, location: location(source.count)))
    }

    /// Emits the text up to the next tag, applying the tag's left whitespace control, then lexes the tag.
    private mutating func lexText() throws {
        var tagStart = position
        var tagKind: Unicode.Scalar? = nil
        while tagStart + 1 < source.count {
            if source[tagStart] == "{", ["{", "%", "#"].contains(source[tagStart + 1]) {
                tagKind = source[tagStart + 1]
                break
            }
            tagStart += 1
        }
        guard let kind = tagKind else {
            appendText(Array(source[position...]))
            position = source.count
            return
        }
        var text = Array(source[position..<tagStart])
        let sign = tagStart + 2 < source.count ? source[tagStart + 2] : nil
        if sign == "-" {
            while let last = text.last, isPythonWhitespace(last) { text.removeLast() }
        } else if sign != "+" && kind != "{" {
            // lstrip_blocks: drop spaces before a block or comment tag that begins its line.
            let lineStart = (text.lastIndex(of: "\n").map { $0 + 1 }) ?? 0
            if (lineStart > 0 || lineStarting) && lineStart < text.count
                && text[lineStart...].allSatisfy(isPythonWhitespace)
            {
                text.removeSubrange(lineStart...)
            }
        }
        appendText(text)
        position = tagStart + 2 + (sign == "-" || sign == "+" ? 1 : 0)
        lineStarting = false
        switch kind {
        case "#": try lexComment(start: tagStart)
        case "%":
            if try lexRaw(start: tagStart) { return }
            tokens.append(Token(kind: .blockBegin, location: location(tagStart)))
            try lexTag(start: tagStart, closer: "%")
        default:
            tokens.append(Token(kind: .variableBegin, location: location(tagStart)))
            try lexTag(start: tagStart, closer: "}")
        }
    }

    private mutating func appendText(_ text: [Unicode.Scalar]) {
        guard !text.isEmpty else { return }
        var string = String.UnicodeScalarView()
        string.append(contentsOf: text)
        tokens.append(Token(kind: .text(String(string)), location: location(position)))
    }

    private mutating func lexComment(start: Int) throws {
        while position + 1 < source.count {
            if source[position] == "#" && source[position + 1] == "}" {
                let marker = position > start + 2 ? source[position - 1] : nil
                position += 2
                finishTag(marker: marker == "-" || marker == "+" ? marker : nil, trimsNewline: true)
                return
            }
            position += 1
        }
        throw ChatTemplateError.syntax("missing end of comment tag '#}'", at: location(start))
    }

    /// `{% raw %}...{% endraw %}` emits its body as text, untouched.
    private mutating func lexRaw(start: Int) throws -> Bool {
        var index = position
        while index < source.count, isPythonWhitespace(source[index]) { index += 1 }
        guard matches("raw", at: index) else { return false }
        index += 3
        while index < source.count, isPythonWhitespace(source[index]) { index += 1 }
        let sign: Unicode.Scalar? = index < source.count && (source[index] == "-" || source[index] == "+") ? source[index] : nil
        if sign != nil { index += 1 }
        guard matches("%}", at: index) else { return false }
        position = index + 2
        finishTag(marker: sign, trimsNewline: true)
        let bodyStart = position
        while position < source.count {
            if matches("{%", at: position) {
                var probe = position + 2
                var leftSign: Unicode.Scalar? = nil
                if probe < source.count, source[probe] == "-" || source[probe] == "+" { leftSign = source[probe]; probe += 1 }
                while probe < source.count, isPythonWhitespace(source[probe]) { probe += 1 }
                if matches("endraw", at: probe) {
                    var body = Array(source[bodyStart..<position])
                    if leftSign == "-" { while let last = body.last, isPythonWhitespace(last) { body.removeLast() } }
                    let savedPosition = position
                    position = bodyStart
                    appendText(body)
                    position = probe + 6
                    while position < source.count, isPythonWhitespace(source[position]) { position += 1 }
                    var endSign: Unicode.Scalar? = nil
                    if let s = peek(), s == "-" || s == "+" { endSign = s; position += 1 }
                    guard matches("%}", at: position) else {
                        throw ChatTemplateError.syntax("malformed '{% endraw %}'", at: location(savedPosition))
                    }
                    position += 2
                    finishTag(marker: endSign, trimsNewline: true)
                    return true
                }
            }
            position += 1
        }
        throw ChatTemplateError.syntax("missing '{% endraw %}'", at: location(start))
    }

    /// After a closing delimiter: `-` strips all following whitespace; a plain block or comment end
    /// drops one newline (trim_blocks); `+` keeps everything.
    private mutating func finishTag(marker: Unicode.Scalar?, trimsNewline: Bool) {
        let before = position
        if marker == "-" {
            while let scalar = peek(), isPythonWhitespace(scalar) { position += 1 }
        } else if marker != "+" && trimsNewline && peek() == "\n" {
            position += 1
        }
        lineStarting = position > before ? source[position - 1] == "\n" : false
    }

    private static let twoCharacterOperators: Set<String> = ["//", "**", "==", "!=", ">=", "<="]
    private static let oneCharacterOperators: Set<Unicode.Scalar> = [
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";",
    ]

    /// Lexes the inside of `{{ }}` (closer `}`) or `{% %}` (closer `%`) up to its closing delimiter.
    private mutating func lexTag(start: Int, closer: Unicode.Scalar) throws {
        var brackets: [Unicode.Scalar] = []
        while true {
            while let scalar = peek(), isPythonWhitespace(scalar) { position += 1 }
            guard let scalar = peek() else {
                throw ChatTemplateError.syntax("unclosed tag: missing '\(closer == "%" ? "%}" : "}}")'", at: location(start))
            }
            if brackets.isEmpty {
                let marker: Unicode.Scalar? = (scalar == "-" || (scalar == "+" && closer == "%")) ? scalar : nil
                let offset = marker == nil ? 0 : 1
                if peek(offset) == closer && peek(offset + 1) == "}" {
                    tokens.append(Token(kind: closer == "%" ? .blockEnd : .variableEnd, location: location(position)))
                    position += offset + 2
                    finishTag(marker: marker, trimsNewline: closer == "%")
                    return
                }
            }
            let here = location(position)
            if scalar.properties.numericType != nil && ("0"..."9").contains(scalar) {
                tokens.append(Token(kind: try lexNumber(), location: here))
            } else if scalar == "_" || scalar.properties.isAlphabetic {
                var name = String.UnicodeScalarView()
                while let s = peek(), s == "_" || s.properties.isAlphabetic || ("0"..."9").contains(s) {
                    name.append(s)
                    position += 1
                }
                tokens.append(Token(kind: .name(String(name)), location: here))
            } else if scalar == "'" || scalar == "\"" {
                tokens.append(Token(kind: .string(try lexString(quote: scalar)), location: here))
            } else {
                var two = String.UnicodeScalarView([scalar])
                if let next = peek(1) { two.append(next) }
                let op: String
                if Self.twoCharacterOperators.contains(String(two)) {
                    op = String(two)
                } else if Self.oneCharacterOperators.contains(scalar) {
                    op = String(scalar)
                } else {
                    throw ChatTemplateError.syntax("unexpected character '\(scalar)'", at: here)
                }
                switch op {
                case "(", "[", "{": brackets.append(scalar)
                case ")", "]", "}":
                    let expected: Unicode.Scalar = op == ")" ? "(" : op == "]" ? "[" : "{"
                    guard brackets.last == expected else {
                        throw ChatTemplateError.syntax("unexpected '\(op)'", at: here)
                    }
                    brackets.removeLast()
                default: break
                }
                tokens.append(Token(kind: .op(op), location: here))
                position += op.unicodeScalars.count
            }
        }
    }

    private mutating func lexNumber() throws -> Token.Kind {
        let start = position
        func digits() -> String {
            var text = ""
            while let s = peek(), ("0"..."9").contains(s) || (s == "_" && peek(1).map { ("0"..."9").contains($0) } == true) {
                if s != "_" { text.unicodeScalars.append(s) }
                position += 1
            }
            return text
        }
        var text = digits()
        var isFloat = false
        if peek() == ".", let next = peek(1), ("0"..."9").contains(next) {
            position += 1
            text += "." + digits()
            isFloat = true
        }
        if let e = peek(), e == "e" || e == "E" {
            var probe = 1
            if let sign = peek(1), sign == "+" || sign == "-" { probe = 2 }
            if let d = peek(probe), ("0"..."9").contains(d) {
                position += probe
                let sign = probe == 2 ? String(source[position - 1]) : ""
                text += "e" + sign + digits()
                isFloat = true
            }
        }
        if isFloat {
            guard let value = Double(text) else { throw ChatTemplateError.syntax("malformed number", at: location(start)) }
            return .float(value)
        }
        guard let value = Int(text) else { throw ChatTemplateError.unsupported("integer literal \(text) does not fit in 64 bits", at: location(start)) }
        return .integer(value)
    }

    /// A quoted string, unescaped like Python's `unicode-escape` codec (which Jinja applies).
    private mutating func lexString(quote: Unicode.Scalar) throws -> String {
        let start = position
        position += 1
        var result = String.UnicodeScalarView()
        while let scalar = peek() {
            position += 1
            if scalar == quote { return String(result) }
            guard scalar == "\\" else {
                result.append(scalar)
                continue
            }
            guard let escaped = peek() else { break }
            position += 1
            switch escaped {
            case "\n": break
            case "\\", "'", "\"": result.append(escaped)
            case "a": result.append("\u{07}")
            case "b": result.append("\u{08}")
            case "f": result.append("\u{0C}")
            case "n": result.append("\n")
            case "r": result.append("\r")
            case "t": result.append("\t")
            case "v": result.append("\u{0B}")
            case "0"..."7":
                var value = escaped.value - 48
                var count = 1
                while count < 3, let d = peek(), ("0"..."7").contains(d) {
                    value = value * 8 + d.value - 48
                    position += 1
                    count += 1
                }
                guard let s = Unicode.Scalar(value) else { throw ChatTemplateError.syntax("bad octal escape", at: location(position)) }
                result.append(s)
            case "x", "u", "U":
                let width = escaped == "x" ? 2 : escaped == "u" ? 4 : 8
                var value: UInt32 = 0
                for _ in 0..<width {
                    guard let d = peek(), let digit = Int(String(d), radix: 16) else {
                        throw ChatTemplateError.syntax("truncated \\\(escaped) escape in string", at: location(position))
                    }
                    value = value * 16 + UInt32(digit)
                    position += 1
                }
                guard let s = Unicode.Scalar(value) else { throw ChatTemplateError.syntax("invalid code point escape", at: location(position)) }
                result.append(s)
            case "N":
                throw ChatTemplateError.unsupported("\\N{...} named escapes in strings", at: location(position - 2))
            default:
                result.append("\\")
                result.append(escaped)
            }
        }
        throw ChatTemplateError.syntax("unterminated string", at: location(start))
    }
}
