import TensorKit

/// Collates ``TokenBlock``s for next-token training: inputs `ids[0..<blockSize]`, targets
/// `ids[1...blockSize]`, `[B, blockSize]` each.
///
/// Blocks all have one length, so nothing is padded and the batch has no attention mask (the
/// model's causal mask is all it needs); every target trains, so ``Batch/tokenCount`` is
/// `B · blockSize`. Use it with ``LanguageModelingLoss`` and a ``TextBlockDataset``.
///
/// ```swift
/// let batch = TokenBlockCollator().collate([TokenBlock(ids: [5, 6, 7]), TokenBlock(ids: [7, 8, 9])])
/// // inputIDs [[5, 6], [7, 8]], labels [[6, 7], [8, 9]]
/// ```
public struct TokenBlockCollator: Collator {
    /// A collator.
    public init() {}

    public func collate(_ blocks: [TokenBlock]) -> Batch {
        let rows = blocks.count
        let width = blocks.first?.ids.count ?? 0
        precondition(width >= 2, "TokenBlockCollator: a block needs at least 2 ids, got \(width)")
        let length = width - 1
        var inputs = [Int64](), targets = [Int64]()
        inputs.reserveCapacity(rows * length)
        targets.reserveCapacity(rows * length)
        for block in blocks {
            precondition(block.ids.count == width, "TokenBlockCollator: blocks of \(width) and \(block.ids.count) ids in one batch")
            for id in block.ids.dropLast() { inputs.append(Int64(id)) }
            for id in block.ids.dropFirst() { targets.append(Int64(id)) }
        }
        return Batch(inputIDs: Tensor(inputs, shape: [rows, length]), labels: Tensor(targets, shape: [rows, length]),
                     exampleCount: rows, tokenCount: rows * length)
    }
}
