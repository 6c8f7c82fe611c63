extension Tensor {
    /// Scaled dot-product attention, fused: `softmax(q·kᵀ · scale + mask) · v` for
    /// `q [B, H, Lq, Dk]`, `k [B, H, Lk, Dk]`, `v [B, H, Lk, Dv]` (keys may be longer or shorter
    /// than queries), returning `[B, H, Lq, Dv]`. As `torch.nn.functional.scaled_dot_product_attention`.
    ///
    /// - Parameters:
    ///   - q: the queries `[B, H, Lq, Dk]`.
    ///   - k: the keys `[B, H, Lk, Dk]`.
    ///   - v: the values `[B, H, Lk, Dv]`.
    ///   - causal: query `i` attends only to keys `j ≤ i` (top-left aligned, as PyTorch's `is_causal`).
    ///   - mask: either a bool key-padding mask `[B, Lk]` (true = attend), or a rank-3 or rank-4
    ///     mask broadcastable to `[B, H, Lq, Lk]`: bool (true = attend) or additive float (same
    ///     dtype as `q`, added to the scores; it receives no gradient). Rank 2 always means key
    ///     padding, so a `[Lq, Lk]` mask is passed as `mask.reshape([1, Lq, Lk])`.
    ///   - scale: multiplies the scores; `1 / sqrt(Dk)` when nil.
    ///
    /// A query whose keys are all masked gets a zero output (and zero gradients), not NaN.
    /// The forward saves the attention probabilities `[B, H, Lq, Lk]` for the backward, which
    /// uses BLAS products and the softmax backward formula.
    ///
    /// ```swift
    /// let o = Tensor.scaledDotProductAttention(q, k, v, causal: true)
    /// ```
    public static func scaledDotProductAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool = false,
                                                 mask: Tensor? = nil, scale: Double? = nil) -> Tensor {
        let op = "scaledDotProductAttention"
        precondition(q.rank == 4 && k.rank == 4 && v.rank == 4,
                     "\(op): q, k, v must be [batch, heads, seq, headDim], got shapes \(q.shape), \(k.shape), \(v.shape)")
        precondition(q.dtype.isFloatingPoint && k.dtype == q.dtype && v.dtype == q.dtype,
                     "\(op): q, k, v must share a float dtype, got \(q.dtype), \(k.dtype), \(v.dtype)")
        let (batch, heads, queries, depth) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let (keys, valueDepth) = (k.shape[2], v.shape[3])
        precondition(k.shape[0] == batch && k.shape[1] == heads && k.shape[3] == depth
                     && v.shape[0] == batch && v.shape[1] == heads && v.shape[2] == keys,
                     "\(op): shapes q \(q.shape), k \(k.shape), v \(v.shape) are not compatible")
        precondition(queries > 0 && keys > 0 && depth > 0 && valueDepth > 0,
                     "\(op): empty axis in shapes q \(q.shape), k \(k.shape), v \(v.shape)")
        let scoreShape = [batch, heads, queries, keys]
        let maskSpec = mask.map { AttentionKernel.MaskSpec($0, scoreShape: scoreShape, dtype: q.dtype, op: op) }
        let factor = scale ?? 1 / Double(depth).squareRoot()
        let (qc, kc, vc) = (q.fusedContiguous(), k.fusedContiguous(), v.fusedContiguous())
        let sizes = AttentionKernel.Sizes(batch: batch, heads: heads, queries: queries, keys: keys,
                                          depth: depth, valueDepth: valueDepth)
        let probabilities = Tensor(uninitializedShape: scoreShape, dtype: q.dtype)
        let out = Tensor(uninitializedShape: [batch, heads, queries, valueDepth], dtype: q.dtype)
        func forward<T: FusedExponential>(_ t: T.Type) {
            AttentionKernel.forward(qc.pointer(as: T.self), kc.pointer(as: T.self), vc.pointer(as: T.self),
                                    sizes: sizes, scale: T(factor), causal: causal, mask: maskSpec,
                                    probabilities: probabilities.pointer(as: T.self), out: out.pointer(as: T.self))
        }
        switch q.dtype {
        case .float32: forward(Float.self)
        default: forward(Double.self)
        }
        return Tensor.record("scaledDotProductAttention", output: out, inputs: [q, k, v]) { gradient in
            let g = gradient.fusedContiguous()
            let dq = q.requiresGrad ? Tensor(uninitializedShape: q.shape, dtype: q.dtype) : nil
            let dk = k.requiresGrad ? Tensor(uninitializedShape: k.shape, dtype: q.dtype) : nil
            let dv = v.requiresGrad ? Tensor(uninitializedShape: v.shape, dtype: q.dtype) : nil
            let scratch = Tensor(uninitializedShape: scoreShape, dtype: q.dtype)
            func backward<T: FloatingScalar>(_ t: T.Type) {
                AttentionKernel.backward(g.pointer(as: T.self), qc.pointer(as: T.self), kc.pointer(as: T.self),
                                         vc.pointer(as: T.self), probabilities: probabilities.pointer(as: T.self),
                                         sizes: sizes, scale: T(factor), scratch: scratch.pointer(as: T.self),
                                         dq: dq?.pointer(as: T.self), dk: dk?.pointer(as: T.self),
                                         dv: dv?.pointer(as: T.self))
            }
            switch q.dtype {
            case .float32: backward(Float.self)
            default: backward(Double.self)
            }
            return [dq, dk, dv]
        }
    }
}
