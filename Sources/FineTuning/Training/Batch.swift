import TensorKit

/// One collated batch: token ids, masks and labels as tensors, ready for a model.
public struct Batch {
    /// Token ids `[B, L]` (int64).
    public var inputIDs: Tensor
    /// 1 for real tokens, 0 for padding, `[B, L]` (int64); nil when nothing is padded.
    public var attentionMask: Tensor?
    /// Segment ids `[B, L]` for BERT-style pairs.
    public var tokenTypeIDs: Tensor?
    /// Class ids `[B]` for classification, next-token targets `[B, L]` for language modelling;
    /// positions to skip hold ``ignoreIndex``.
    public var labels: Tensor
    /// The number of examples.
    public var exampleCount: Int
    /// Real (unpadded) input tokens, for throughput.
    public var tokenCount: Int

    /// The label value that losses and metrics skip (PyTorch's default `ignore_index`).
    public static let ignoreIndex = -100

    /// A batch; `exampleCount` defaults to the rows of `inputIDs`, `tokenCount` to the sum of
    /// the mask (or every id when there is no mask).
    public init(inputIDs: Tensor, attentionMask: Tensor? = nil, tokenTypeIDs: Tensor? = nil, labels: Tensor,
                exampleCount: Int? = nil, tokenCount: Int? = nil) {
        self.inputIDs = inputIDs
        self.attentionMask = attentionMask
        self.tokenTypeIDs = tokenTypeIDs
        self.labels = labels
        self.exampleCount = exampleCount ?? inputIDs.shape.first ?? 0
        // Counted on the host: masks are integer or bool tensors, which `sum` does not take.
        self.tokenCount = tokenCount ?? attentionMask.map { mask in
            mask.cast(to: .float64).scalars(as: Double.self).reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        } ?? inputIDs.count
    }

    /// Labels that count (not ``ignoreIndex``): the weight of this batch in a mean over batches.
    public var labelCount: Int { labels.scalars(as: Int64.self).filter { $0 != Int64(Batch.ignoreIndex) }.count }
}

@available(*, unavailable, message: "A batch holds tensors, which are not Sendable")
extension Batch: Sendable {}
