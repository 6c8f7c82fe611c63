import TensorKit

/// One encoded text: token ids with the attention mask (1 for real tokens, 0 for padding) and,
/// for BERT-style tokenizers, token type ids (all 0 for a single sequence).
///
/// ```swift
/// let encoding = tokenizer.encoding(of: "Hello world", maxLength: 8, padding: .toLength(8))
/// let ids = encoding.idsTensor()   // int64, shape [8]
/// ```
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

    /// The ids as an int64 tensor of shape `[count]`.
    public func idsTensor() -> Tensor { Tensor(ids.map(Int64.init), shape: [ids.count]) }
    /// The attention mask as an int64 tensor of shape `[count]`.
    public func attentionMaskTensor() -> Tensor { Tensor(attentionMask.map(Int64.init), shape: [count]) }
    /// The token type ids as an int64 tensor of shape `[count]`, if the tokenizer makes them.
    public func tokenTypeIDsTensor() -> Tensor? {
        tokenTypeIDs.map { Tensor($0.map(Int64.init), shape: [$0.count]) }
    }
}

/// A batch of encoded texts, one row per text, padded as requested.
///
/// Rows are Swift arrays; the `...Tensor()` accessors give int64 tensors of shape
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

    /// The ids as an int64 tensor of shape `[batch, length]`.
    public func idsTensor() -> Tensor { Self.matrix(ids, name: "idsTensor") }
    /// The attention mask as an int64 tensor of shape `[batch, length]`.
    public func attentionMaskTensor() -> Tensor { Self.matrix(attentionMask, name: "attentionMaskTensor") }
    /// The token type ids as an int64 tensor of shape `[batch, length]`, if the tokenizer makes them.
    public func tokenTypeIDsTensor() -> Tensor? { tokenTypeIDs.map { Self.matrix($0, name: "tokenTypeIDsTensor") } }

    private static func matrix(_ rows: [[Int]], name: String) -> Tensor {
        let length = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == length },
                     "BatchEncoding.\(name): rows have lengths \(rows.map(\.count)); encode with padding to make a tensor")
        var flat: [Int64] = []
        flat.reserveCapacity(rows.count * length)
        for row in rows { for id in row { flat.append(Int64(id)) } }
        return Tensor(flat, shape: [rows.count, length])
    }
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
