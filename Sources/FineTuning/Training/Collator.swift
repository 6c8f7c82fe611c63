import TensorKit

/// Turns a list of examples into a ``Batch`` (tokenising, padding, building masks and labels).
public protocol Collator<Example> {
    /// The example type collated.
    associatedtype Example
    /// The batch of `examples`.
    func collate(_ examples: [Example]) -> Batch
}

/// Collates ``TextClassificationExample``s: texts tokenised and padded to the longest (or
/// truncated to `maxLength`), attention masks, labels `[B]`.
///
/// ```swift
/// let collator = TextClassificationCollator(tokenizer: tokenizer, maxLength: 128)
/// let batch = collator.collate([example1, example2])
/// ```
public struct TextClassificationCollator: Collator {
    /// The tokenizer.
    public var tokenizer: any Tokenizer
    /// The longest sequence kept (special tokens included).
    public var maxLength: Int?
    /// How rows are padded.
    public var padding: Padding

    /// A collator padding with `padding` and truncating to `maxLength` tokens.
    public init(tokenizer: any Tokenizer, maxLength: Int? = nil, padding: Padding = .longest) {
        self.tokenizer = tokenizer
        self.maxLength = maxLength
        self.padding = padding
    }

    public func collate(_ examples: [TextClassificationExample]) -> Batch {
        let encoded = tokenizer.encodeBatch(examples.map(\.text), padding: padding, maxLength: maxLength)
        return Batch(inputIDs: encoded.idsTensor(), attentionMask: encoded.attentionMaskTensor(),
                     tokenTypeIDs: encoded.tokenTypeIDsTensor(),
                     labels: Tensor(examples.map { Int64($0.label) }, shape: [examples.count]),
                     exampleCount: examples.count, tokenCount: encoded.attentionMask.reduce(0) { $0 + $1.reduce(0, +) })
    }
}

/// Collates ``LanguageModelingExample``s for next-token prediction: each text is tokenised
/// (with its special tokens, truncated to `maxLength + 1`), padded on the right, and split into
/// inputs `ids[..<L]` and targets `ids[1...]`; targets at padding are ``Batch/ignoreIndex``.
///
/// `maxLength` is the model's context — the input length `L`, what `GPTConfig.maxPositions`
/// must hold — not the number of tokens kept: a text keeps `maxLength + 1` tokens, because the
/// last input still needs its target. This is the `blockSize` of a ``TextBlockDataset``, whose
/// blocks (for a long text cut into pieces) go through ``TokenBlockCollator`` instead.
///
/// ```swift
/// let collator = LanguageModelingCollator(tokenizer: ByteTokenizer(), maxLength: 64)
/// let config = GPTConfig(vocabularySize: collator.tokenizer.vocabularySize, maxPositions: 64,
///                        dim: 64, layers: 2, heads: 4)
/// ```
public struct LanguageModelingCollator: Collator {
    /// The tokenizer.
    public var tokenizer: any Tokenizer
    /// The longest input sequence: the model's context (a text keeps `maxLength + 1` tokens,
    /// the last only as a target).
    public var maxLength: Int?

    /// A collator whose inputs hold at most `maxLength` tokens (so texts keep at most
    /// `maxLength + 1`).
    public init(tokenizer: any Tokenizer, maxLength: Int? = nil) {
        self.tokenizer = tokenizer
        self.maxLength = maxLength
    }

    public func collate(_ examples: [LanguageModelingExample]) -> Batch {
        let encoded = tokenizer.encodeBatch(examples.map(\.text), padding: .longest, maxLength: maxLength.map { $0 + 1 })
        let length = Swift.max(1, (encoded.ids.first?.count ?? 1) - 1)
        var inputs: [Int64] = [], masks: [Int64] = [], targets: [Int64] = []
        for (ids, mask) in zip(encoded.ids, encoded.attentionMask) {
            let ids = ids.count > 1 ? ids : ids + [tokenizer.specialTokens.paddingID]
            let mask = mask.count > 1 ? mask : mask + [0]
            for t in 0..<length {
                inputs.append(Int64(ids[t]))
                masks.append(Int64(mask[t]))
                targets.append(mask[t + 1] == 1 ? Int64(ids[t + 1]) : Int64(Batch.ignoreIndex))
            }
        }
        let b = examples.count
        return Batch(inputIDs: Tensor(inputs, shape: [b, length]), attentionMask: Tensor(masks, shape: [b, length]),
                     labels: Tensor(targets, shape: [b, length]), exampleCount: b,
                     tokenCount: masks.reduce(0) { $0 + Int($1) })
    }
}
