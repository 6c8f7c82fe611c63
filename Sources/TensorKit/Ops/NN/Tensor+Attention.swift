extension Tensor {
    /// Scaled dot-product attention, fused: `softmax(q·kᵀ · scale + mask) · v` for
    /// `q [B, H, Lq, Dk]`, `k [B, Hkv, Lk, Dk]`, `v [B, Hkv, Lk, Dv]` (keys may be longer or
    /// shorter than queries), returning `[B, H, Lq, Dv]`. As
    /// `torch.nn.functional.scaled_dot_product_attention`.
    ///
    /// Grouped-query attention (PyTorch's `enable_gqa`): keys and values may have fewer heads
    /// `Hkv` dividing `H`; query head `h` then attends with key/value head `h / (H / Hkv)`, read in
    /// place (no repeated copies), and their gradients sum over the heads sharing them.
    ///
    /// - Parameters:
    ///   - q: the queries `[B, H, Lq, Dk]`.
    ///   - k: the keys `[B, Hkv, Lk, Dk]`.
    ///   - v: the values `[B, Hkv, Lk, Dv]`.
    ///   - causal: query `i` attends only to keys `j ≤ i + causalOffset` (with offset 0 top-left
    ///     aligned, as PyTorch's `is_causal`).
    ///   - causalOffset: where the causal limit starts: `Lk − Lq` when the queries are the last
    ///     positions of the keys (a KV cache; PyTorch's `causal_lower_right`). Causal products
    ///     skip the scores past each block of rows' limit.
    ///   - mask: either a bool key-padding mask `[B, Lk]` (true = attend), or a rank-3 or rank-4
    ///     mask broadcastable to `[B, H, Lq, Lk]`: bool (true = attend) or additive float (same
    ///     dtype as `q`, added to the scores; it receives no gradient). Rank 2 always means key
    ///     padding, so a `[Lq, Lk]` mask is passed as `mask.reshape([1, Lq, Lk])`.
    ///   - scale: multiplies the scores; `1 / sqrt(Dk)` when nil.
    ///   - dropout: probability of dropping each attention probability (survivors are scaled by
    ///     `1 / (1 − dropout)`), as PyTorch's `dropout_p`; pass 0 outside training.
    ///   - generator: draws the dropout mask (the thread's default when nil); the backward
    ///     redraws the same mask from the generator's state saved here, so no mask is kept.
    ///
    /// A query whose keys are all masked gets a zero output (and zero gradients), not NaN.
    /// The forward saves only each query row's log-sum-exp `[B, H, Lq]` (as PyTorch's flash
    /// attention does), not the probabilities `[B, H, Lq, Lk]`: the backward recomputes the
    /// scores `q·kᵀ` (and the mask) once more, rebuilds the probabilities from them, and then
    /// uses BLAS products and the softmax backward formula. That costs one more `q·kᵀ` per
    /// call, and saves a score-sized tensor per layer between forward and backward; causal
    /// backward products skip the keys past each block of rows' limit, as the forward's do.
    ///
    /// q, k and v are read in place when their last axis is unit-stride, so the usual
    /// `x.reshape([B, L, H, D]).permute(0, 2, 1, 3)` views cost no copy; the output (and the
    /// gradients) then use the same `[B, L, H, D]` memory order, so permuting back is a view too.
    ///
    /// ```swift
    /// let o = Tensor.scaledDotProductAttention(q, k, v, causal: true)
    /// ```
    public static func scaledDotProductAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool = false,
                                                 causalOffset: Int = 0, mask: Tensor? = nil, scale: Double? = nil,
                                                 dropout: Double = 0, generator: Generator? = nil) -> Tensor {
        let op = "scaledDotProductAttention"
        precondition(q.rank == 4 && k.rank == 4 && v.rank == 4,
                     "\(op): q, k, v must be [batch, heads, seq, headDim], got shapes \(q.shape), \(k.shape), \(v.shape)")
        precondition(q.dtype.isFloatingPoint && k.dtype == q.dtype && v.dtype == q.dtype,
                     "\(op): q, k, v must share a float dtype, got \(q.dtype), \(k.dtype), \(v.dtype)")
        return attention(q, k, v, causal: causal ? .init(offset: causalOffset) : nil, mask: mask, scale: scale,
                         dropout: dropout, generator: generator,
                         inputs: [q, k, v], needs: (q.requiresGrad, k.requiresGrad, v.requiresGrad)) { needs in
            let dq = needs.q ? Tensor.attentionResult(q.shape, like: q) : nil
            let dk = needs.k ? Tensor.attentionResult(k.shape, like: k) : nil
            let dv = needs.v ? Tensor.attentionResult(v.shape, like: v) : nil
            return (dq, dk, dv, [dq, dk, dv])
        }
    }

    /// Which of q, k, v need a gradient.
    typealias AttentionNeeds = (q: Bool, k: Bool, v: Bool)
    /// Where the backward writes dq, dk, dv (nil: not needed), and the gradients of the op's
    /// recorded inputs, which own that memory.
    typealias AttentionGradients = (dq: Tensor?, dk: Tensor?, dv: Tensor?, inputs: [Tensor?])

    /// The fused attention on `[B, H, L, D]` operands, recorded as one node over `inputs`
    /// (q, k, v themselves, or the one packed projection they are views of): `gradients`
    /// allocates where the backward kernel writes the `needs`ed dq, dk, dv, and says what each
    /// input receives.
    static func attention(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: AttentionKernel.Causal?, mask: Tensor?, scale: Double?,
                          dropout: Double, generator: Generator?, inputs: [Tensor], needs: AttentionNeeds,
                          gradients: @escaping (AttentionNeeds) -> AttentionGradients) -> Tensor {
        let op = "scaledDotProductAttention"
        let (batch, heads, queries, depth) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let (keys, valueDepth) = (k.shape[2], v.shape[3])
        let kvHeads = k.shape[1]
        precondition(k.shape[0] == batch && kvHeads > 0 && heads % kvHeads == 0 && k.shape[3] == depth
                     && v.shape[0] == batch && v.shape[1] == kvHeads && v.shape[2] == keys,
                     "\(op): shapes q \(q.shape), k \(k.shape), v \(v.shape) are not compatible (key/value heads must divide query heads)")
        let group = heads / kvHeads
        precondition(queries > 0 && keys > 0 && depth > 0 && valueDepth > 0,
                     "\(op): empty axis in shapes q \(q.shape), k \(k.shape), v \(v.shape)")
        precondition(dropout >= 0 && dropout <= 1, "\(op): dropout must be in [0, 1], got \(dropout)")
        let scoreShape = [batch, heads, queries, keys], dtype = q.dtype
        // The mask is drawn now from the caller's generator and redrawn in the backward from the
        // state that generator started at, so no mask is kept between the two.
        let drawing = dropout > 0 ? generator ?? Generator.default : nil
        let dropState = drawing?.stateWords
        func dropMask(from source: Generator?) -> Tensor? {
            source.map { Tensor.dropoutMask(shape: scoreShape, dtype: dtype, probability: dropout, generator: $0) }
        }
        func replaying(_ state: [UInt64]) -> Generator {
            let replay = Generator(seed: 0)
            replay.stateWords = state
            return replay
        }
        let maskSpec = mask.map { $0.attentionMask(scoreShape: scoreShape, dtype: dtype, op: op) }
        let factor = scale ?? 1 / Double(depth).squareRoot()
        let (qc, kc, vc) = (q.attentionOperand(), k.attentionOperand(), v.attentionOperand())
        let sizes = AttentionKernel.Sizes(batch: batch, heads: heads, queries: queries, keys: keys,
                                          depth: depth, valueDepth: valueDepth)
        // Only each row's log-sum-exp outlives the forward: the backward recomputes the
        // probabilities from it and q·kᵀ (as FlashAttention does), so no `[B, H, Lq, Lk]`
        // tensor stays alive per layer between the forward and the backward.
        let logSumExp = Tensor(uninitializedShape: [batch, heads, queries], dtype: dtype)
        let out = Tensor.attentionResult([batch, heads, queries, valueDepth], like: q)
        do {
            let probabilities = Tensor(uninitializedShape: scoreShape, dtype: dtype)
            let forwardMask = dropMask(from: drawing)
            let dropped = forwardMask.map { Tensor(uninitializedShape: $0.shape, dtype: $0.dtype) }
            func forward<T: KernelFloat>(_ t: T.Type) {
                AttentionKernel.forward(qc.heads(), kc.heads(group: group), vc.heads(group: group), sizes: sizes, scale: T(factor),
                                        causal: causal, mask: maskSpec,
                                        probabilities: probabilities.pointer(as: T.self), logSumExp: logSumExp.pointer(as: T.self),
                                        dropMask: forwardMask.map { UnsafePointer($0.pointer(as: T.self)) },
                                        dropped: dropped?.pointer(as: T.self), out: out.heads())
            }
            // The kernel reads the mask through a raw pointer: keep its storage alive until then.
            withExtendedLifetime(mask) {
                switch dtype {
                case .float32: forward(Float.self)
                default: forward(Double.self)
                }
            }
        }
        return Tensor.record(op, output: out, inputs: inputs) { gradient in
            let g = gradient.attentionOperand()
            let (dq, dk, dv, inputGradients) = gradients(needs)
            // The rebuilt probabilities and the scratch of dP live for this one backward call.
            let probabilities = Tensor(uninitializedShape: scoreShape, dtype: dtype)
            let scratch = Tensor(uninitializedShape: scoreShape, dtype: dtype)
            let backwardMask = dropMask(from: dropState.map(replaying))
            func backward<T: KernelFloat>(_ t: T.Type) {
                AttentionKernel.backward(g.heads(), qc.heads(), kc.heads(group: group), vc.heads(group: group),
                                         logSumExp: logSumExp.pointer(as: T.self), sizes: sizes, scale: T(factor),
                                         causal: causal, mask: maskSpec,
                                         probabilities: probabilities.pointer(as: T.self), scratch: scratch.pointer(as: T.self),
                                         dropMask: backwardMask.map { UnsafePointer($0.pointer(as: T.self)) },
                                         dq: dq?.heads(), dk: dk?.heads(group: group), dv: dv?.heads(group: group))
            }
            // The mask is read again to rebuild the probabilities: the closure keeps it alive.
            withExtendedLifetime(mask) {
                switch dtype {
                case .float32: backward(Float.self)
                default: backward(Double.self)
                }
            }
            return inputGradients
        }
    }
}

extension Tensor {
    /// The `[Lq|Lk, D]` matrices of every (batch, head) pair of this rank-4 tensor, for the kernel.
    fileprivate func heads<T>(group: Int = 1) -> AttentionKernel.Heads<T> { .init(pointer(as: T.self), layout, group: group) }

    /// This mask validated against the scores `[B, H, Lq, Lk]` and resolved for the kernel.
    fileprivate func attentionMask(scoreShape: [Int], dtype scoreType: DType, op: String) -> AttentionKernel.MaskSpec {
        precondition(dtype == .bool || dtype == scoreType,
                     "\(op): mask must be bool or \(scoreType), got \(dtype) (shape \(shape))")
        let (batch, keys) = (scoreShape[0], scoreShape[3])
        let maskStrides: [Int]
        if rank == 2 {
            precondition(dtype == .bool && shape == [batch, keys],
                         "\(op): a rank-2 mask is a bool key-padding mask [batch, keySeq] = [\(batch), \(keys)], got \(dtype) \(shape)")
            maskStrides = [strides[0], 0, 0, strides[1]]
        } else {
            precondition((rank == 3 || rank == 4) && Shape.broadcast(shape, scoreShape) == scoreShape,
                         "\(op): mask of shape \(shape) is neither [batch, keySeq] nor a rank-3/4 mask broadcastable to scores \(scoreShape)")
            maskStrides = layout.broadcastStrides(to: scoreShape)
        }
        return .init(pointer: UnsafeRawPointer(storage.pointer + layout.offset * dtype.byteSize), isBool: dtype == .bool,
                     strides: maskStrides)
    }

    /// This tensor, cut off from the graph, if BLAS can read each `[seq, depth]` matrix of it in
    /// place (unit-stride last axis, rows at least `depth` apart, any batch/head strides); else a
    /// contiguous copy. Views of `[B, L, H, D]` projections as `[B, H, L, D]` pass without a copy.
    func attentionOperand() -> Tensor {
        let (rows, depth) = (shape[2], shape[3])
        let unitColumns = depth <= 1 || strides[3] == 1
        let rowsApart = rows <= 1 || strides[2] >= Swift.max(1, depth)
        return unitColumns && rowsApart ? detach() : detachedContiguous()
    }

    /// A new `[B, H, L, D]` tensor laid out as `like` is: when `like` is a head-interleaved view
    /// (`[B, L, H, D]` memory), so is the result, so that permuting it back to `[B, L, H·D]` for
    /// the output projection (or the input gradient of one) is a view, not a copy.
    static func attentionResult(_ shape: [Int], like: Tensor) -> Tensor {
        let interleaved = like.shape[1] > 1 && like.shape[2] > 1 && like.strides[1] < like.strides[2]
        guard interleaved else { return Tensor(uninitializedShape: shape, dtype: like.dtype) }
        let (b, h, l, d) = (shape[0], shape[1], shape[2], shape[3])
        let storage = Storage(byteCount: b * h * l * d * like.dtype.byteSize)
        return Tensor(storage: storage, layout: Layout(shape: [b, l, h, d]).permuted([0, 2, 1, 3]), dtype: like.dtype)
    }
}
