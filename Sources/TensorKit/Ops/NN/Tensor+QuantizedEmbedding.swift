extension Tensor {
    /// Looks up rows of a frozen table kept in its blocks (Q8_0, Q4_K, F16, ...):
    /// ``embedding(_:weight:)`` for a ``QuantizedTensor``, decoding only the rows asked for.
    ///
    /// `weight` is `[V, D]`, quantized by rows; the result is float32 `indices.shape + [D]`,
    /// equal to `embedding(indices, weight: weight.dequantized())`. The table is frozen, so
    /// nothing is recorded for a backward: a model's input embedding, which no gradient reaches
    /// while it is frozen.
    ///
    /// ```swift
    /// let table = try gguf.quantizedTensor(named: "token_embd.weight")   // Q8_0 [49152, 576]
    /// let vectors = Tensor.quantizedEmbedding(ids, weight: table)         // [B, L, 576]
    /// ```
    public static func quantizedEmbedding(_ indices: Tensor, weight: QuantizedTensor) -> Tensor {
        let op = "quantizedEmbedding"
        precondition(weight.shape.count == 2, "\(op): weight must be [V, D], got \(weight.type.name) \(weight.shape)")
        precondition(weight.type.isDequantizable, "\(op): \(weight.type.name) weight \(weight.shape) cannot be dequantized")
        let (vocabulary, dim) = (weight.shape[0], weight.shape[1])
        let ids = indices.indexValues(op: op)
        for id in ids {
            precondition(id >= 0 && id < vocabulary, "\(op): index \(id) is out of range for a weight of shape \(weight.shape)")
        }
        let out = Tensor(uninitializedShape: indices.shape + [dim], dtype: .float32)
        let destination = out.pointer(as: Float.self)
        ids.withUnsafeBufferPointer { ids in
            Parallel.forRanges(ids.count, costPerItem: dim) { range in
                for i in range { weight.dequantizeRows(ids[i]..<(ids[i] + 1), into: destination + i * dim) }
            }
        }
        return out
    }
}
