extension Tokenizer {
    /// Encodes one text with truncation, padding and masks.
    ///
    /// Truncation keeps the special tokens: the text's own tokens are cut so that the whole
    /// encoding fits in `maxLength` (as Hugging Face tokenizers do). When `maxLength` is smaller
    /// than the number of special tokens, only the special tokens remain.
    public func encoding(of text: String, addSpecialTokens: Bool = true, maxLength: Int? = nil,
                         padding: Padding = .none, paddingSide: PaddingSide = .right) -> Encoding {
        encodeBatch([text], addSpecialTokens: addSpecialTokens, padding: padding, maxLength: maxLength,
                    paddingSide: paddingSide).encodings[0]
    }

    /// Encodes a pair of texts (question and context, premise and hypothesis) as one sequence.
    public func encoding(of text: String, pairedWith second: String, addSpecialTokens: Bool = true,
                         maxLength: Int? = nil, padding: Padding = .none,
                         paddingSide: PaddingSide = .right) -> Encoding {
        encodeBatch(pairs: [(text, second)], addSpecialTokens: addSpecialTokens, padding: padding,
                    maxLength: maxLength, paddingSide: paddingSide).encodings[0]
    }

    /// Encodes several texts into rows padded to a common length, with attention masks
    /// (and token type ids for BERT-style tokenizers).
    ///
    /// ```swift
    /// let batch = tokenizer.encodeBatch(texts, padding: .longest, maxLength: 128)
    /// let logits = model(batch.idsTensor(), mask: batch.attentionMaskTensor())   // tensors: with FineTuning
    /// ```
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = true, padding: Padding = .longest,
                            maxLength: Int? = nil, paddingSide: PaddingSide = .right) -> BatchEncoding {
        var rows: [[Int]] = []
        var types: [[Int]] = []
        rows.reserveCapacity(texts.count)
        for text in texts {
            var ids = encode(text, addSpecialTokens: false)
            if let maxLength {
                let room = max(0, maxLength - (addSpecialTokens ? specialTokenCount : 0))
                if ids.count > room { ids.removeLast(ids.count - room) }
            }
            let row = addSpecialTokens ? addingSpecialTokens(to: ids) : ids
            rows.append(row)
            types.append([Int](repeating: 0, count: row.count))
        }
        return padded(rows, types, padding: padding, side: paddingSide)
    }

    /// Encodes pairs of texts; each row is `first` and `second` joined by the pair template, with
    /// token type ids telling them apart (0 and 1 for BERT).
    ///
    /// Truncation follows Hugging Face's `longest_first`: when the pair does not fit, the longer
    /// sequence is cut first, and when both are long each keeps about half the room.
    public func encodeBatch(pairs: [(String, String)], addSpecialTokens: Bool = true, padding: Padding = .longest,
                            maxLength: Int? = nil, paddingSide: PaddingSide = .right) -> BatchEncoding {
        var rows: [[Int]] = []
        var types: [[Int]] = []
        rows.reserveCapacity(pairs.count)
        for (firstText, secondText) in pairs {
            var first = encode(firstText, addSpecialTokens: false)
            var second = encode(secondText, addSpecialTokens: false)
            if let maxLength {
                let room = max(0, maxLength - (addSpecialTokens ? pairSpecialTokenCount : 0))
                let (keepFirst, keepSecond) = Self.longestFirst(first.count, second.count, room: room)
                first.removeLast(first.count - keepFirst)
                second.removeLast(second.count - keepSecond)
            }
            if addSpecialTokens {
                let joined = addingSpecialTokens(to: first, pairedWith: second)
                rows.append(joined.ids)
                types.append(joined.typeIDs)
            } else {
                rows.append(first + second)
                types.append([Int](repeating: 0, count: first.count) + [Int](repeating: 1, count: second.count))
            }
        }
        return padded(rows, types, padding: padding, side: paddingSide)
    }

    /// How many tokens of each sequence `longest_first` keeps within `room`.
    static func longestFirst(_ n1: Int, _ n2: Int, room: Int) -> (Int, Int) {
        if n1 + n2 <= room { return (n1, n2) }
        var (short, long) = (min(n1, n2), max(n1, n2))
        long = short > room ? short : max(short, room - short)
        if short + long > room {
            short = room / 2
            long = short + room % 2
        }
        return n1 > n2 ? (long, short) : (short, long)
    }

    private func padded(_ rows: [[Int]], _ types: [[Int]], padding: Padding, side: PaddingSide) -> BatchEncoding {
        let target: Int
        switch padding {
        case .none: target = 0
        case .longest: target = rows.map(\.count).max() ?? 0
        case .toLength(let length): target = length
        }
        let padID = specialTokens.paddingID
        var rows = rows, types = types
        var masks: [[Int]] = []
        masks.reserveCapacity(rows.count)
        for i in rows.indices {
            let real = rows[i].count
            let missing = max(0, target - real)
            var mask = [Int](repeating: 1, count: real)
            if missing > 0 {
                let padIDs = [Int](repeating: padID, count: missing)
                let zeros = [Int](repeating: 0, count: missing)  // mask 0, and pad type id 0
                switch side {
                case .right:
                    rows[i] += padIDs
                    mask += zeros
                    types[i] += zeros
                case .left:
                    rows[i] = padIDs + rows[i]
                    mask = zeros + mask
                    types[i] = zeros + types[i]
                }
            }
            masks.append(mask)
        }
        return BatchEncoding(ids: rows, attentionMask: masks, tokenTypeIDs: usesTokenTypeIDs ? types : nil)
    }
}
