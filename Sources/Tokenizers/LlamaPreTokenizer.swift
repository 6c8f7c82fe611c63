/// The pre-tokenization of Llama 3 and Qwen 2 vocabularies, written out by hand instead of with a
/// regular expression.
///
/// It splits text the way the pattern
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// does (Qwen 2 writes `\p{N}` where Llama 3 has `\p{N}{1,3}`): contractions in any case, a run
/// of letters led by at most one character that is not a line break, letter or digit, digits in
/// groups of at most `maximumDigits`, a run of symbols (led by at most one space) with the line
/// breaks after it, whitespace up to its last line break, and other whitespace runs, where a run
/// followed by a word leaves its last character to that word.
enum LlamaPreTokenizer {
    /// Appends the byte ranges of the pieces of UTF-8 `text` to `pieces`.
    static func split(_ text: UnsafeBufferPointer<UInt8>, maximumDigits: Int, into pieces: inout [Range<Int>]) {
        let n = text.count
        @inline(__always) func scalar(at i: Int) -> (kind: ScalarKind, next: Int) { ScalarKind.at(i, in: text) }
        /// The end of the run of `kind` starting at `i`.
        @inline(__always) func run(of kind: ScalarKind, from i: Int) -> Int {
            var end = i
            while end < n {
                let (k, after) = scalar(at: end)
                if k != kind { break }
                end = after
            }
            return end
        }
        var i = 0
        while i < n {
            let start = i
            let byte = text[i]
            if byte == 0x27, let end = contractionEnd(text, at: i) {  // '
                pieces.append(start..<end)
                i = end
                continue
            }
            let (kind, next) = scalar(at: i)
            // `[^\r\n\p{L}\p{N}]?\p{L}+`
            if kind == .letter {
                i = run(of: .letter, from: next)
            } else if kind != .number && !isLineBreak(byte) && next < n && scalar(at: next).kind == .letter {
                i = run(of: .letter, from: next)
            } else if kind == .number {
                // `\p{N}{1,maximumDigits}`
                var end = next
                var digits = 1
                while digits < maximumDigits && end < n {
                    let (k, after) = scalar(at: end)
                    if k != .number { break }
                    end = after
                    digits += 1
                }
                i = end
            } else if kind == .other || (byte == 0x20 && next < n && scalar(at: next).kind == .other) {
                // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
                i = run(of: .other, from: kind == .other ? next : scalar(at: next).next)
                while i < n && isLineBreak(text[i]) { i += 1 }
            } else {
                i = whitespaceEnd(text, at: i)
            }
            pieces.append(start..<i)
        }
    }

    /// Where the whitespace piece starting at `start` ends: after the run's last line break
    /// (`\s*[\r\n]+`), else at the run's end when nothing follows it or before its last
    /// character (`\s+(?!\S)`), else after its only character (`\s+`).
    private static func whitespaceEnd(_ text: UnsafeBufferPointer<UInt8>, at start: Int) -> Int {
        let n = text.count
        var end = start
        var lastStart = start
        var afterLineBreak = -1
        while end < n {
            let (k, after) = ScalarKind.at(end, in: text)
            if k != .space { break }
            if isLineBreak(text[end]) { afterLineBreak = after }
            lastStart = end
            end = after
        }
        if afterLineBreak >= 0 { return afterLineBreak }
        if end == n || lastStart == start { return end }
        return lastStart
    }

    @inline(__always)
    private static func isLineBreak(_ byte: UInt8) -> Bool { byte == 0x0A || byte == 0x0D }

    /// The end of a contraction (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`, any case) at `i`.
    ///
    /// Case-insensitive matching also takes `ſ` (U+017F, which case-folds to `s`), as the
    /// reference implementation's regular expressions do.
    private static func contractionEnd(_ text: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        let n = text.count
        guard i + 1 < n else { return nil }
        @inline(__always) func lower(_ k: Int) -> UInt8 { k < n ? text[k] | 0x20 : 0 }
        switch lower(i + 1) {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            return i + 2
        case UInt8(ascii: "r"), UInt8(ascii: "v"):
            return lower(i + 2) == UInt8(ascii: "e") ? i + 3 : nil
        case UInt8(ascii: "l"):
            return lower(i + 2) == UInt8(ascii: "l") ? i + 3 : nil
        default:
            return text[i + 1] == 0xC5 && i + 2 < n && text[i + 2] == 0xBF ? i + 3 : nil  // ſ
        }
    }
}
