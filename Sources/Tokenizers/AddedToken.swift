/// A token matched in raw text before normalization and pre-tokenization, such as `[MASK]` or
/// `<|endoftext|>` (the `added_tokens` list of a `tokenizer.json`).
public struct AddedToken: Sendable, Equatable {
    /// The exact text that stands for the token.
    public var content: String
    /// The token's id.
    public var id: Int
    /// Special tokens are dropped by `decode(_:skipSpecialTokens: true)`.
    public var special: Bool
    /// Whether the token swallows whitespace on its left.
    public var leftStrip: Bool
    /// Whether the token swallows whitespace on its right.
    public var rightStrip: Bool

    /// An added token; `single_word` and `normalized` from tokenizer.json are not modelled
    /// (matching is always on the raw text, which is what `normalized: false` means).
    public init(content: String, id: Int, special: Bool = true, leftStrip: Bool = false, rightStrip: Bool = false) {
        self.content = content
        self.id = id
        self.special = special
        self.leftStrip = leftStrip
        self.rightStrip = rightStrip
    }
}

/// A piece of input text after added tokens were cut out of it.
enum TextSegment: Equatable {
    /// Byte offsets of ordinary text, to be normalized and tokenized.
    case text(Range<Int>)
    /// An added token's id.
    case token(Int)
}

/// Finds added tokens in UTF-8 text: leftmost match first, and the longest at a position.
struct AddedTokenMatcher: Sendable {
    private struct Candidate: Sendable {
        var bytes: [UInt8]
        var token: AddedToken
    }

    /// Candidates by first byte, longest first, so the first hit is the longest match.
    private var buckets: [[Candidate]] = Array(repeating: [], count: 256)
    private(set) var isEmpty = true

    init(_ tokens: [AddedToken]) {
        for token in tokens where !token.content.isEmpty {
            let bytes = Array(token.content.utf8)
            buckets[Int(bytes[0])].append(Candidate(bytes: bytes, token: token))
            isEmpty = false
        }
        for i in buckets.indices { buckets[i].sort { $0.bytes.count > $1.bytes.count } }
    }

    /// Cuts `text` at added tokens; appends the segments to `segments`.
    func split(_ text: UnsafeBufferPointer<UInt8>, into segments: inout [TextSegment]) {
        if isEmpty {
            if !text.isEmpty { segments.append(.text(0..<text.count)) }
            return
        }
        var textStart = 0
        var i = 0
        while i < text.count {
            guard let match = longestMatch(in: text, at: i) else {
                i += 1
                continue
            }
            var textEnd = i
            if match.token.leftStrip {
                while textEnd > textStart && Self.isSpace(text[textEnd - 1]) { textEnd -= 1 }
            }
            if textEnd > textStart { segments.append(.text(textStart..<textEnd)) }
            segments.append(.token(match.token.id))
            i += match.bytes.count
            if match.token.rightStrip {
                while i < text.count && Self.isSpace(text[i]) { i += 1 }
            }
            textStart = i
        }
        if textStart < text.count { segments.append(.text(textStart..<text.count)) }
    }

    @inline(__always)
    private func longestMatch(in text: UnsafeBufferPointer<UInt8>, at i: Int) -> Candidate? {
        let bucket = buckets[Int(text[i])]
        if bucket.isEmpty { return nil }
        outer: for candidate in bucket where candidate.bytes.count <= text.count - i {
            for (k, byte) in candidate.bytes.enumerated() where text[i + k] != byte { continue outer }
            return candidate
        }
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
