/// The character classes the byte-level pre-tokenizers' patterns are written in: `\p{L}`,
/// `\p{N}`, `\s` and everything else.
enum ScalarKind {
    case letter, number, space, other

    /// The class of a Unicode scalar value; ASCII is answered without a table lookup.
    @inline(__always)
    init(_ value: UInt32) {
        if value < 0x80 {
            switch value {
            case 0x41...0x5A, 0x61...0x7A: self = .letter
            case 0x30...0x39: self = .number
            case 0x09...0x0D, 0x20: self = .space
            default: self = .other
            }
            return
        }
        guard let scalar = Unicode.Scalar(value) else {
            self = .other
            return
        }
        let properties = scalar.properties
        if properties.isWhitespace {
            self = .space
            return
        }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: self = .letter
        case .decimalNumber, .letterNumber, .otherNumber: self = .number
        default: self = .other
        }
    }

    /// The class of the scalar starting at byte `i` of valid UTF-8, and the offset after it.
    @inline(__always)
    static func at(_ i: Int, in text: UnsafeBufferPointer<UInt8>) -> (kind: ScalarKind, next: Int) {
        let (value, length) = decodeUTF8Scalar(text, at: i)
        return (ScalarKind(value), i + length)
    }
}
