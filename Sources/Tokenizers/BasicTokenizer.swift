import Foundation

/// BERT's text cleanup and word splitting, run before WordPiece.
///
/// In order, as Hugging Face's `BertNormalizer` + `BertPreTokenizer` do it: drop NUL, U+FFFD and
/// control/format/unassigned/private-use characters and turn every whitespace into a space; put
/// CJK ideographs in words of their own; strip accents (Unicode NFD, then drop nonspacing marks);
/// lower-case; split on whitespace; make every punctuation character (Unicode P* categories and
/// all ASCII symbols such as `$`, `+`, `^`) a word of its own.
///
/// ```swift
/// BasicTokenizer().tokenize("Héllo, WORLD!")  // ["hello", ",", "world", "!"]
/// ```
public struct BasicTokenizer: Sendable {
    /// Lower-case every character (full Unicode lower-case mapping).
    public var lowercase: Bool
    /// Decompose (NFD) and drop nonspacing marks: `é` → `e`.
    public var stripAccents: Bool
    /// Put each CJK ideograph in a word of its own.
    public var handleChineseCharacters: Bool
    /// Drop control characters and turn all whitespace into spaces.
    public var cleanText: Bool
    private let cache = ScalarNormalizationCache()

    /// `stripAccents` nil follows `lowercase`, like BERT's uncased models.
    public init(lowercase: Bool = true, stripAccents: Bool? = nil, handleChineseCharacters: Bool = true,
                cleanText: Bool = true) {
        self.lowercase = lowercase
        self.stripAccents = stripAccents ?? lowercase
        self.handleChineseCharacters = handleChineseCharacters
        self.cleanText = cleanText
    }

    /// The words of `text`, normalized.
    public func tokenize(_ text: String) -> [String] {
        var output: [UInt8] = []
        var words: [Range<Int>] = []
        var text = text
        text.withUTF8 { split($0, into: &output, words: &words) }
        return words.map { String(decoding: output[$0], as: UTF8.self) }
    }

    /// Appends the normalized bytes of each word of `text` to `output` and its range to `words`.
    func split(_ text: UnsafeBufferPointer<UInt8>, into output: inout [UInt8], words: inout [Range<Int>]) {
        var wordStart = output.count
        @inline(__always) func endWord(_ output: [UInt8], _ words: inout [Range<Int>]) {
            if output.count > wordStart { words.append(wordStart..<output.count) }
            wordStart = output.count
        }
        var i = 0
        while i < text.count {
            let byte = text[i]
            if byte < 0x80 {
                i += 1
                switch byte {
                case 0x41...0x5A:  // A-Z
                    output.append(lowercase ? byte | 0x20 : byte)
                case 0x30...0x39, 0x61...0x7A:
                    output.append(byte)
                case 0x09, 0x0A, 0x0D, 0x20:
                    endWord(output, &words)
                case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E:
                    endWord(output, &words)
                    output.append(byte)
                    endWord(output, &words)
                case 0x0B, 0x0C:  // control characters that are also whitespace
                    if !cleanText { endWord(output, &words) }
                default:  // other C0 controls and DEL
                    if !cleanText { output.append(byte) }
                }
                continue
            }
            let (value, length) = decodeUTF8Scalar(text, at: i)
            i += length
            appendNonASCII(Unicode.Scalar(value)!, &output, &words, &wordStart)
        }
        endWord(output, &words)
    }

    private func appendNonASCII(_ scalar: Unicode.Scalar, _ output: inout [UInt8], _ words: inout [Range<Int>],
                                _ wordStart: inout Int) {
        if cleanText && (scalar.value == 0xFFFD || Self.isControl(scalar)) { return }
        if scalar.properties.isWhitespace {
            if output.count > wordStart { words.append(wordStart..<output.count) }
            wordStart = output.count
            return
        }
        let isolated = handleChineseCharacters && Self.isChineseCharacter(scalar.value)
        if isolated, output.count > wordStart {
            words.append(wordStart..<output.count)
            wordStart = output.count
        }
        for value in normalized(scalar) {
            // Word splitting runs on the normalized text, so classify what normalization produced.
            let piece = Unicode.Scalar(value)!
            if piece.properties.isWhitespace {
                if output.count > wordStart { words.append(wordStart..<output.count) }
                wordStart = output.count
            } else if Self.isPunctuation(piece) {
                if output.count > wordStart { words.append(wordStart..<output.count) }
                wordStart = output.count
                appendUTF8(value, to: &output)
                words.append(wordStart..<output.count)
                wordStart = output.count
            } else {
                appendUTF8(value, to: &output)
            }
        }
        if isolated, output.count > wordStart {
            words.append(wordStart..<output.count)
            wordStart = output.count
        }
    }

    /// The scalars `scalar` becomes after accent stripping and lower-casing.
    private func normalized(_ scalar: Unicode.Scalar) -> [UInt32] {
        if !stripAccents && !lowercase { return [scalar.value] }
        let key = scalar.value | (stripAccents ? 0x8000_0000 : 0) | (lowercase ? 0x4000_0000 : 0)
        if let hit = cache.lookup(key) { return hit }
        var scalars = [scalar]
        if stripAccents {
            scalars = String(Character(scalar)).decomposedStringWithCanonicalMapping.unicodeScalars
                .filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercase {
            scalars = scalars.flatMap { s in
                s.properties.changesWhenLowercased ? Array(s.properties.lowercaseMapping.unicodeScalars) : [s]
            }
        }
        let values = scalars.map(\.value)
        cache.store(key, values)
        return values
    }

    /// Control, format, unassigned and private-use characters (tab, newline and CR are whitespace).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return false
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .unassigned, .privateUse, .surrogate: return true
            default: return false
            }
        }
    }

    /// BERT's punctuation: every ASCII non-alphanumeric symbol and Unicode punctuation (P*).
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .closePunctuation, .finalPunctuation,
             .initialPunctuation, .otherPunctuation, .openPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT isolates (not Hangul, Hiragana or Katakana).
    static func isChineseCharacter(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v)
            || (0x2B820...0x2CEAF).contains(v) || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}

/// Remembers how non-ASCII scalars normalize, because NFD through Foundation allocates.
private final class ScalarNormalizationCache: @unchecked Sendable {
    private let lock = NSLock()
    private var table: [UInt32: [UInt32]] = [:]

    func lookup(_ key: UInt32) -> [UInt32]? {
        lock.lock()
        defer { lock.unlock() }
        return table[key]
    }

    func store(_ key: UInt32, _ value: [UInt32]) {
        lock.lock()
        defer { lock.unlock() }
        if table.count < 65_536 { table[key] = value }
    }
}
