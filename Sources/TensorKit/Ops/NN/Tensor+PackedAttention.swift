extension Tensor {
    /// ``scaledDotProductAttention(_:_:_:causal:causalOffset:mask:scale:dropout:generator:)`` on the packed
    /// output of one query/key/value projection: `qkv [B, L, 3·H·D]`, each row the `H` query
    /// heads, then the `H` key heads, then the `H` value heads (what
    /// ``linear(_:weights:biases:)`` with the three weights makes). Returns `[B, H, L, D]` in
    /// `[B, L, H, D]` memory order, like the unpacked op.
    ///
    /// q, k and v are read in place as strided views of `qkv`, and the backward writes their
    /// gradients into one `[B, L, 3·H·D]` buffer at the same places, so the gradient reaching
    /// the projection is that buffer as is: no split, no copies, no zero-filled pieces.
    ///
    /// ```swift
    /// let qkv = Tensor.linear(x, weights: [wq, wk, wv], biases: [bq, bk, bv])
    /// let o = Tensor.scaledDotProductAttention(packed: qkv, heads: 4, causal: true)
    /// ```
    public static func scaledDotProductAttention(packed qkv: Tensor, heads: Int, causal: Bool = false,
                                                 mask: Tensor? = nil, scale: Double? = nil,
                                                 dropout: Double = 0, generator: Generator? = nil) -> Tensor {
        let op = "scaledDotProductAttention(packed:)"
        precondition(qkv.rank == 3 && heads > 0 && qkv.shape[2] > 0 && qkv.shape[2] % (3 * heads) == 0,
                     "\(op): qkv must be [batch, seq, 3·heads·headDim] with \(heads) heads, got \(qkv.shape)")
        precondition(qkv.dtype.isFloatingPoint, "\(op): needs a float dtype, got \(qkv.dtype)")
        let (batch, length, depth) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / (3 * heads))
        func parts(_ t: Tensor) -> (Tensor, Tensor, Tensor) {
            let split = t.reshape([batch, length, 3, heads, depth])
            func part(_ i: Int) -> Tensor { split.select(axis: 2, index: i).permute(0, 2, 1, 3) }
            return (part(0), part(1), part(2))
        }
        let (q, k, v) = withGradientsDisabled { parts(qkv.detach()) }
        let all = qkv.requiresGrad
        return attention(q, k, v, causal: causal ? .init(offset: 0) : nil, mask: mask, scale: scale, dropout: dropout, generator: generator,
                         inputs: [qkv], needs: (all, all, all)) { _ in
            let gradient = Tensor(uninitializedShape: qkv.shape, dtype: qkv.dtype)
            let (dq, dk, dv) = withGradientsDisabled { parts(gradient) }
            return (dq, dk, dv, [gradient])
        }
    }
}
