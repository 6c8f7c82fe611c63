import TensorKit

/// Several projections of the same input run as one GEMM (`Tensor.linear(_:weights:biases:)`),
/// their outputs side by side: the query/key/value projections of ``MultiHeadAttention`` and the
/// gate/up pair of a gated ``FeedForward``.
///
/// The layers stay what they are — separate ``Linear`` modules with their own names,
/// checkpoints and adapters — and only their forward pass is shared. Gradients reach each
/// weight as a block of one weight-gradient product.
enum PackedProjection {
    /// `rows [N, in]` through every layer as one product, `[N, Σ outᵢ]` in the layers' order;
    /// nil when the layers cannot share one (the caller then runs them one by one).
    ///
    /// They can when every layer is a dense ``Linear`` (not quantized), all have a bias or none
    /// has, and their live adapters keep the input (merged ones are in the weights). Adapters
    /// that only add (LoRA) add their updates into their blocks; others (DoRA, IA³) transform
    /// their host's block, and the blocks are put side by side again.
    static func output(of projections: [(any LinearLayer)?], rows: Tensor) -> Tensor? {
        let layers = projections.compactMap { $0 as? Linear }
        guard layers.count == projections.count, !layers.isEmpty else { return nil }
        let adapters = layers.map { $0.liveAdapters() }
        guard adapters.allSatisfy({ $0.allSatisfy(\.keepsInput) }),
              layers.allSatisfy({ $0.bias != nil }) || layers.allSatisfy({ $0.bias == nil }) else { return nil }
        let packed = Tensor.linear(rows, weights: layers.map(\.weight), biases: layers.map(\.bias))
        var starts = [0]
        for layer in layers { starts.append(starts[starts.count - 1] + layer.outFeatures) }
        let blocks = adapters.indices.filter { !adapters[$0].isEmpty }
        if blocks.isEmpty { return packed }
        if adapters.allSatisfy({ $0.allSatisfy(\.onlyAddsToOutput) }) {
            let updates = blocks.map { i in
                adapters[i].dropFirst().reduce(adapters[i][0].outputUpdate(input: rows, host: layers[i])) {
                    $0 + $1.outputUpdate(input: rows, host: layers[i])
                }
            }
            return packed.addingBlocks(updates, at: blocks.map { starts[$0] })
        }
        let parts = layers.indices.map { i in
            adapters[i].reduce(packed.slice(axis: 1, starts[i]..<starts[i + 1])) {
                $1.transformOutput($0, input: rows, host: layers[i])
            }
        }
        return Tensor.concat(parts, axis: 1)
    }
}
