/// GPT-2's pre-tokenization, written out by hand instead of with a regular expression.
///
/// It splits text the way the pattern
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` does: English
/// contractions, runs of letters, of numbers or of other symbols (each optionally led by one
/// space), and whitespace runs, where a run followed by a word leaves its last space to that word.
enum GPT2PreTokenizer {
    /// Appends the byte ranges of the pieces of UTF-8 `text` to `pieces`.
    static func split(_ text: UnsafeBufferPointer<UInt8>, into pieces: inout [Range<Int>]) {
        let n = text.count
        @inline(__always) func scalar(at i: Int) -> (kind: ScalarKind, next: Int) { ScalarKind.at(i, in: text) }
        var i = 0
        while i < n {
            let start = i
            let byte = text[i]
            if byte == 0x27, let end = contractionEnd(text, at: i) {  // '
                pieces.append(start..<end)
                i = end
                continue
            }
            var (current, next) = scalar(at: i)
            if byte == 0x20 && next < n {
                let (following, afterFollowing) = scalar(at: next)
                if following != .space {
                    current = following
                    next = afterFollowing
                }
            }
            if current != .space {
                // ` ?\p{L}+`, ` ?\p{N}+` or ` ?[^\s\p{L}\p{N}]+`: extend while the class holds.
                var end = next
                while end < n {
                    let (k, after) = scalar(at: end)
                    if k != current { break }
                    end = after
                }
                pieces.append(start..<end)
                i = end
                continue
            }
            // Whitespace: find the run, then leave its last character to a following word.
            var runEnd = next
            var lastStart = i
            while runEnd < n {
                let (k, after) = scalar(at: runEnd)
                if k != .space { break }
                lastStart = runEnd
                runEnd = after
            }
            if runEnd == n || lastStart == start {
                pieces.append(start..<runEnd)  // `\s+(?!\S)` to the end, or a single `\s+`
                i = runEnd
            } else {
                pieces.append(start..<lastStart)
                i = lastStart
            }
        }
    }

    /// The end of `'s`, `'t`, `'re`, `'ve`, `'m`, `'ll` or `'d` at `i` (case-sensitive), if one is there.
    @inline(__always)
    private static func contractionEnd(_ text: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        let n = text.count
        guard i + 1 < n else { return nil }
        switch text[i + 1] {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            return i + 2
        case UInt8(ascii: "r"), UInt8(ascii: "v"):
            return i + 2 < n && text[i + 2] == UInt8(ascii: "e") ? i + 3 : nil
        case UInt8(ascii: "l"):
            return i + 2 < n && text[i + 2] == UInt8(ascii: "l") ? i + 3 : nil
        default:
            return nil
        }
    }
}
