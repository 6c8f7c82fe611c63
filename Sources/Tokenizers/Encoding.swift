/// One encoded text: token ids with the attention mask (1 for real tokens, 0 for padding) and,
/// for BERT-style tokenizers, token type ids (all 0 for a single sequence).
///
/// ```swift
/// let encoding = tokenizer.encoding(of: "Hello world", maxLength: 8, padding: .toLength(8))
/// encoding.ids   // 8 ids, padding included
/// ```
///
/// FineTuning adds `idsTensor()` and the other `...Tensor()` accessors, which give int64 tensors.
public struct Encoding: Sendable, Equatable {
    /// Token ids, padding included.
    public var ids: [Int]
    /// 1 for real tokens, 0 for padding.
    public var attentionMask: [Int]
    /// Segment ids (BERT-style tokenizers only).
    public var tokenTypeIDs: [Int]?

    /// An encoding from its parts.
    public init(ids: [Int], attentionMask: [Int], tokenTypeIDs: [Int]? = nil) {
        self.ids = ids
        self.attentionMask = attentionMask
        self.tokenTypeIDs = tokenTypeIDs
    }

    /// Number of positions, padding included.
    public var count: Int { ids.count }
}

/// A batch of encoded texts, one row per text, padded as requested.
///
/// Rows are Swift arrays; FineTuning's `...Tensor()` accessors give int64 tensors of shape
/// `[batch, length]` and need rows of equal length (any padding other than `.none` does that).
public struct BatchEncoding: Sendable, Equatable {
    /// Token ids, one row per text.
    public var ids: [[Int]]
    /// 1 for real tokens, 0 for padding, one row per text.
    public var attentionMask: [[Int]]
    /// Segment ids (BERT-style tokenizers only), one row per text.
    public var tokenTypeIDs: [[Int]]?

    /// A batch from its parts.
    public init(ids: [[Int]], attentionMask: [[Int]], tokenTypeIDs: [[Int]]? = nil) {
        self.ids = ids
        self.attentionMask = attentionMask
        self.tokenTypeIDs = tokenTypeIDs
    }

    /// The rows as single encodings.
    public var encodings: [Encoding] {
        ids.indices.map { Encoding(ids: ids[$0], attentionMask: attentionMask[$0], tokenTypeIDs: tokenTypeIDs?[$0]) }
    }

    /// Number of texts.
    public var count: Int { ids.count }
}

/// How an encoding is padded.
public enum Padding: Sendable, Equatable {
    /// No padding: rows keep their own lengths.
    case none
    /// Pad every row to the longest row of the batch.
    case longest
    /// Pad every row to this length (rows already longer are left as they are; truncate with
    /// `maxLength` to bound them).
    case toLength(Int)
}

/// Which end of a row receives padding.
public enum PaddingSide: Sendable, Equatable {
    /// Padding after the tokens (BERT, training).
    case right
    /// Padding before the tokens (batched generation with decoder-only models).
    case left
}
