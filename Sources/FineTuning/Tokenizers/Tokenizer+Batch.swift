extension Tokenizer {
    /// Encodes one text with truncation, padding and masks.
    ///
    /// Truncation keeps the special tokens: the text's own tokens are cut so that the whole
    /// encoding fits in `maxLength` (as Hugging Face tokenizers do). When `maxLength` is smaller
    /// than the number of special tokens, only the special tokens remain.
    public func encoding(of text: String, addSpecialTokens: Bool = true, maxLength: Int? = nil,
                         padding: Padding = .none, paddingSide: PaddingSide = .right) -> Encoding {
        let batch = encodeBatch([text], addSpecialTokens: addSpecialTokens, padding: padding,
                                maxLength: maxLength, paddingSide: paddingSide)
        return batch.encodings[0]
    }

    /// Encodes several texts into rows padded to a common length, with attention masks
    /// (and token type ids for BERT-style tokenizers).
    ///
    /// ```swift
    /// let batch = tokenizer.encodeBatch(texts, padding: .longest, maxLength: 128)
    /// let logits = model(batch.idsTensor(), mask: batch.attentionMaskTensor())
    /// ```
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = true, padding: Padding = .longest,
                            maxLength: Int? = nil, paddingSide: PaddingSide = .right) -> BatchEncoding {
        var rows: [[Int]] = []
        rows.reserveCapacity(texts.count)
        for text in texts {
            var ids = encode(text, addSpecialTokens: false)
            if let maxLength {
                let room = max(0, maxLength - (addSpecialTokens ? specialTokenCount : 0))
                if ids.count > room { ids.removeLast(ids.count - room) }
            }
            rows.append(addSpecialTokens ? addingSpecialTokens(to: ids) : ids)
        }
        let target: Int
        switch padding {
        case .none: target = 0
        case .longest: target = rows.map(\.count).max() ?? 0
        case .toLength(let length): target = length
        }
        let padID = specialTokens.paddingID
        var masks: [[Int]] = []
        masks.reserveCapacity(rows.count)
        for i in rows.indices {
            let real = rows[i].count
            let missing = max(0, target - real)
            var mask = [Int](repeating: 1, count: real)
            if missing > 0 {
                let padIDs = [Int](repeating: padID, count: missing)
                let padMask = [Int](repeating: 0, count: missing)
                switch paddingSide {
                case .right:
                    rows[i] += padIDs
                    mask += padMask
                case .left:
                    rows[i] = padIDs + rows[i]
                    mask = padMask + mask
                }
            }
            masks.append(mask)
        }
        // A single sequence has segment 0 everywhere, padding included (pad type id 0).
        let types = usesTokenTypeIDs ? rows.map { [Int](repeating: 0, count: $0.count) } : nil
        return BatchEncoding(ids: rows, attentionMask: masks, tokenTypeIDs: types)
    }
}
