import TensorKit

/// Collates ``SFTExample``s for next-token training: inputs `ids[0..<n-1]`, targets
/// `labels[1..<n]`, rows padded on the right to the batch's longest.
///
/// Padding is on the right, so with causal attention no real token ever attends to a pad and an
/// example's loss does not depend on what it is batched with; pads get attention mask 0 and
/// target ``Batch/ignoreIndex``. ``Batch/tokenCount`` is the number of targets that train, the
/// tokens a step learns from. Use it with ``LanguageModelingLoss``.
///
/// ```swift
/// let collator = SFTCollator(tokenizer: llm.tokenizer)
/// let batch = collator.collate(Array(encoded.examples.prefix(8)))
/// let loss = llm.model.loss(batch.inputIDs, targets: batch.labels, mask: batch.attentionMask)
/// ```
public struct SFTCollator: Collator {
    /// The id written at padded positions (masked out, never a target).
    public var paddingID: Int

    /// A collator padding with `paddingID`.
    public init(paddingID: Int) { self.paddingID = paddingID }

    /// A collator padding with the tokenizer's padding id, else its end-of-sequence id, else 0.
    public init(tokenizer: any Tokenizer) { self.init(paddingID: tokenizer.specialTokens.paddingID) }

    public func collate(_ examples: [SFTExample]) -> Batch {
        let rows = examples.count
        // One position less than the longest example: its last token is only ever a target.
        let length = Swift.max(1, (examples.map(\.ids.count).max() ?? 0) - 1)
        var inputs = [Int64](repeating: Int64(paddingID), count: rows * length)
        var masks = [Int64](repeating: 0, count: rows * length)
        var targets = [Int64](repeating: Int64(Batch.ignoreIndex), count: rows * length)
        var trained = 0
        for (row, example) in examples.enumerated() {
            let base = row * length
            let count = example.ids.count - 1
            guard count > 0 else {
                masks[base] = 1   // a row that attends to nothing would give NaN; its target is ignored anyway
                continue
            }
            for t in 0..<count {
                inputs[base + t] = Int64(example.ids[t])
                masks[base + t] = 1
                let label = example.labels[t + 1]
                targets[base + t] = Int64(label)
                if label != Batch.ignoreIndex { trained += 1 }
            }
        }
        return Batch(inputIDs: Tensor(inputs, shape: [rows, length]), attentionMask: Tensor(masks, shape: [rows, length]),
                     labels: Tensor(targets, shape: [rows, length]), exampleCount: rows, tokenCount: trained)
    }
}
