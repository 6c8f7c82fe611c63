extension Tensor {
    /// Attention over sequences of different lengths packed end to end without padding (what
    /// FlashAttention's `varlen` functions do with `cu_seqlens`): `qkv [T, 3·H·D]` holds the
    /// query, key and value projections of all `T = Σ sequenceLengths` tokens, one sequence after
    /// the other, each row laid out as in ``scaledDotProductAttention(packed:heads:causal:mask:scale:dropout:generator:)``.
    /// Each token attends only to the tokens of its own sequence. Returns `[T, H·D]`, each row the
    /// heads side by side, ready for the output projection.
    ///
    /// Compared with padding every sequence to the longest, no product and no row kernel runs on
    /// padding, and the layers around attention (projections, norms, feed-forward) see only the
    /// `T` real tokens.
    ///
    /// - Parameters:
    ///   - qkv: the packed projections `[T, 3·H·D]`.
    ///   - heads: the number of heads `H` (queries, keys and values alike).
    ///   - sequenceLengths: the positive lengths of the packed sequences, in order, summing to `T`.
    ///   - causal: each token attends only to itself and the earlier tokens of its sequence.
    ///   - scale: multiplies the scores; `1 / sqrt(D)` when nil.
    ///   - dropout: probability of dropping each attention probability (training only).
    ///   - generator: draws the dropout masks, sequence by sequence; the thread's default when nil.
    ///
    /// The forward keeps only each row's log-sum-exp; the backward recomputes the scores, and
    /// writes the gradients of q, k and v into one `[T, 3·H·D]` buffer, as the packed op does.
    ///
    /// ```swift
    /// let qkv = Tensor.linear(x, weights: [wq, wk, wv], biases: [bq, bk, bv])   // x: [7, dim]
    /// let o = Tensor.scaledDotProductAttention(packed: qkv, heads: 4, sequenceLengths: [3, 4])   // [7, dim]
    /// ```
    public static func scaledDotProductAttention(packed qkv: Tensor, heads: Int, sequenceLengths: [Int],
                                                 causal: Bool = false, scale: Double? = nil,
                                                 dropout: Double = 0, generator: Generator? = nil) -> Tensor {
        let op = "scaledDotProductAttention(packed:sequenceLengths:)"
        precondition(qkv.rank == 2 && heads > 0 && qkv.shape[1] > 0 && qkv.shape[1] % (3 * heads) == 0,
                     "\(op): qkv must be [tokens, 3·heads·headDim] with \(heads) heads, got \(qkv.shape)")
        precondition(qkv.dtype.isFloatingPoint, "\(op): needs a float dtype, got \(qkv.dtype)")
        precondition(sequenceLengths.allSatisfy { $0 > 0 } && sequenceLengths.reduce(0, +) == qkv.shape[0],
                     "\(op): sequence lengths \(sequenceLengths) must be positive and sum to the \(qkv.shape[0]) tokens of qkv \(qkv.shape)")
        precondition(dropout >= 0 && dropout <= 1, "\(op): dropout must be in [0, 1], got \(dropout)")
        let tokens = qkv.shape[0], depth = qkv.shape[1] / (3 * heads), dtype = qkv.dtype
        let segments = VariableLengthAttention(heads: heads, depth: depth, lengths: sequenceLengths,
                                               causal: causal ? .init(offset: 0) : nil,
                                               scale: scale ?? 1 / Double(depth).squareRoot(), dropout: dropout)
        let source = qkv.detachedContiguousRows()
        let drawing = dropout > 0 ? generator ?? Generator.default : nil
        let dropState = drawing?.stateWords
        let logSumExp = Tensor(uninitializedShape: [heads * tokens], dtype: dtype)
        let out = Tensor(uninitializedShape: [tokens, heads * depth], dtype: dtype)
        switch dtype {
        case .float32: segments.forward(Float.self, source, out: out, logSumExp: logSumExp, generator: drawing)
        default: segments.forward(Double.self, source, out: out, logSumExp: logSumExp, generator: drawing)
        }
        return Tensor.record(op, output: out, inputs: [qkv]) { gradient in
            let g = gradient.detachedContiguousRows()
            let result = Tensor(uninitializedShape: qkv.shape, dtype: dtype)
            let replay = dropState.map { state -> Generator in
                let generator = Generator(seed: 0)
                generator.stateWords = state
                return generator
            }
            switch dtype {
            case .float32: segments.backward(Float.self, g, source, logSumExp: logSumExp, generator: replay, into: result)
            default: segments.backward(Double.self, g, source, logSumExp: logSumExp, generator: replay, into: result)
            }
            return [result]
        }
    }

    /// This tensor cut off from the graph, with unit-stride rows (a contiguous copy otherwise).
    fileprivate func detachedContiguousRows() -> Tensor {
        strides[1] == 1 && (shape[0] <= 1 || strides[0] >= shape[1]) ? detach() : detachedContiguous()
    }
}

/// The sequences of a variable-length attention call and how to run the fused kernel on each:
/// sequence `i` is a batch of one whose q, k and v are strided views into the packed rows.
private struct VariableLengthAttention {
    let heads, depth: Int
    let lengths: [Int]
    let causal: AttentionKernel.Causal?
    let scale: Double
    let dropout: Double

    /// The first row of each sequence.
    var starts: [Int] { lengths.reduce(into: [0]) { $0.append($0.last! + $1) }.dropLast() }

    /// Score-sized working memory for the longest sequence.
    func scratch(_ dtype: DType) -> Tensor {
        let longest = lengths.max() ?? 0
        return Tensor(uninitializedShape: [heads * longest * longest], dtype: dtype)
    }

    /// Sequence `i`'s `[1, H, L, D]` heads of the part (0 query, 1 key, 2 value) of `packed`
    /// (`[T, 3·H·D]` rows; `parts` 1 for an `[T, H·D]` output).
    func heads<T>(_ packed: Tensor, part: Int, parts: Int = 3, start: Int, length: Int) -> AttentionKernel.Heads<T> {
        let width = parts * heads * depth
        let base = packed.pointer(as: T.self) + start * packed.strides[0] + part * heads * depth
        let layout = Layout(shape: [1, heads, length, depth],
                            strides: [length * packed.strides[0], depth, packed.strides[0], 1], offset: 0)
        precondition(packed.shape[1] == width, "VariableLengthAttention: rows of \(packed.shape[1]), expected \(width)")
        return .init(base, layout)
    }

    func sizes(_ length: Int) -> AttentionKernel.Sizes {
        .init(batch: 1, heads: heads, queries: length, keys: length, depth: depth, valueDepth: depth)
    }

    /// This sequence's dropout mask `[1, H, L, L]`, drawn next from `generator`.
    func dropMask(_ generator: Generator?, length: Int, dtype: DType) -> Tensor? {
        generator.map { Tensor.dropoutMask(shape: [1, heads, length, length], dtype: dtype, probability: dropout, generator: $0) }
    }

    func forward<T: KernelFloat>(_ t: T.Type, _ qkv: Tensor, out: Tensor, logSumExp: Tensor, generator: Generator?) {
        let probabilities = scratch(qkv.dtype)
        let dropped = generator == nil ? nil : scratch(qkv.dtype)
        for (start, length) in zip(starts, lengths) {
            let mask = dropMask(generator, length: length, dtype: qkv.dtype)
            AttentionKernel.forward(heads(qkv, part: 0, start: start, length: length) as AttentionKernel.Heads<T>,
                                    heads(qkv, part: 1, start: start, length: length),
                                    heads(qkv, part: 2, start: start, length: length),
                                    sizes: sizes(length), scale: T(scale), causal: causal, mask: nil,
                                    probabilities: probabilities.pointer(as: T.self),
                                    logSumExp: logSumExp.pointer(as: T.self) + heads * start,
                                    dropMask: mask.map { UnsafePointer($0.pointer(as: T.self)) },
                                    dropped: dropped?.pointer(as: T.self),
                                    out: heads(out, part: 0, parts: 1, start: start, length: length))
        }
    }

    func backward<T: KernelFloat>(_ t: T.Type, _ g: Tensor, _ qkv: Tensor, logSumExp: Tensor, generator: Generator?,
                                  into result: Tensor) {
        let probabilities = scratch(qkv.dtype), working = scratch(qkv.dtype)
        for (start, length) in zip(starts, lengths) {
            let mask = dropMask(generator, length: length, dtype: qkv.dtype)
            func part(_ tensor: Tensor, _ index: Int) -> AttentionKernel.Heads<T> {
                heads(tensor, part: index, start: start, length: length)
            }
            AttentionKernel.backward(heads(g, part: 0, parts: 1, start: start, length: length),
                                     part(qkv, 0), part(qkv, 1), part(qkv, 2),
                                     logSumExp: logSumExp.pointer(as: T.self) + heads * start,
                                     sizes: sizes(length), scale: T(scale), causal: causal, mask: nil,
                                     probabilities: probabilities.pointer(as: T.self), scratch: working.pointer(as: T.self),
                                     dropMask: mask.map { UnsafePointer($0.pointer(as: T.self)) },
                                     dq: part(result, 0), dk: part(result, 1), dv: part(result, 2))
        }
    }
}
