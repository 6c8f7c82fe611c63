import TensorKit

/// Multi-head self-attention with separate (or fused) query/key/value projections, causal and
/// key-padding masks, grouped-query heads, optional rotary positions and a KV cache.
///
/// Parameters are named `query`, `key`, `value` and `output` (each a ``LinearLayer``: a
/// ``Linear``, or a ``QuantizedLinear`` after ``Module/quantizeLinears(where:)``), or `qkv` and
/// `output` with `fusedQKV`. With `kvHeads < heads` (grouped-query attention), each group of
/// `heads / kvHeads` query heads shares one key/value head, as in LLaMA 2/3 and Mistral.
///
/// ``attentionDropout`` drops attention probabilities while training (BERT's
/// `attention_probs_dropout_prob`), inside the fused kernel.
///
/// The three projections run as one GEMM (`Tensor.linear(_:weights:biases:)`) whenever they
/// are dense, also when LoRA adapters sit on them (their updates are added into their blocks);
/// without rotary positions, cache or grouped heads attention also reads that output packed
/// (`Tensor.scaledDotProductAttention(packed:heads:causal:mask:scale:dropout:generator:)`),
/// otherwise it takes views of it. Parameters, names and checkpoints are those of the three
/// projections either way (``packsProjections``).
///
/// ```swift
/// let attention = MultiHeadAttention(dim: 64, heads: 8, causal: true)
/// let y = attention(Tensor.normal([2, 10, 64]))   // [2, 10, 64]
/// ```
public final class MultiHeadAttention: Module, Layer {
    /// Query projection `dim → heads·headDim` (nil with a fused projection).
    public var query: (any LinearLayer)?
    /// Key projection `dim → kvHeads·headDim` (nil with a fused projection).
    public var key: (any LinearLayer)?
    /// Value projection `dim → kvHeads·headDim` (nil with a fused projection).
    public var value: (any LinearLayer)?
    /// Fused projection `dim → (heads + 2·kvHeads)·headDim`, rows ordered query, key, value.
    public var qkv: (any LinearLayer)?
    /// Output projection `heads·headDim → dim`.
    public var output: any LinearLayer
    /// The model width.
    public let dim: Int
    /// The number of query heads.
    public let heads: Int
    /// The number of key/value heads (divides `heads`).
    public let kvHeads: Int
    /// The size of each head.
    public let headDim: Int
    /// Whether each position attends only to itself and earlier positions.
    public let causal: Bool
    /// Rotary positions applied to queries and keys, if any.
    public var rotary: RotaryEmbedding?
    /// Probability of dropping each attention probability in training mode (0: none).
    public var attentionDropout: Double
    /// Draws the attention-dropout masks; the thread's default generator when nil.
    public var dropoutGenerator: Generator?
    /// Whether the query, key and value projections run as one GEMM (whose output attention
    /// reads packed where the layer allows it; see the type's discussion). True by default;
    /// false runs them one by one, as a reference for benchmarks and tests (same values).
    public var packsProjections = true

    /// Self-attention over vectors of size `dim`.
    ///
    /// - Parameters:
    ///   - dim: the model width (input and output size).
    ///   - heads: the number of query heads.
    ///   - kvHeads: key/value heads, `heads` when nil; must divide `heads`.
    ///   - headDim: `dim / heads` when nil.
    ///   - causal: each position attends only to itself and earlier ones (decoders).
    ///   - bias: whether the projections have biases.
    ///   - fusedQKV: one `qkv` projection instead of three (GPT-2's `c_attn` layout).
    ///   - rotary: the rotary embedding that rotates queries and keys (its `dimension` must equal
    ///     the head size), or nil for none.
    ///   - attentionDropout: dropout on the attention probabilities while training.
    ///   - dtype: the parameter dtype.
    ///   - generator: draws the initial weights; the default generator when nil.
    public init(dim: Int, heads: Int, kvHeads: Int? = nil, headDim: Int? = nil, causal: Bool = false,
                bias: Bool = true, fusedQKV: Bool = false, rotary: RotaryEmbedding? = nil,
                attentionDropout: Double = 0, dtype: DType = .float32, generator: Generator? = nil) {
        let kvHeads = kvHeads ?? heads
        precondition(heads > 0 && kvHeads > 0 && heads % kvHeads == 0,
                     "MultiHeadAttention: kvHeads (\(kvHeads)) must divide heads (\(heads))")
        precondition(headDim != nil || dim % heads == 0,
                     "MultiHeadAttention: dim \(dim) is not divisible by heads \(heads); pass headDim")
        let headDim = headDim ?? dim / heads
        precondition(headDim > 0, "MultiHeadAttention: headDim must be positive, got \(headDim)")
        precondition(rotary == nil || rotary!.dimension == headDim,
                     "MultiHeadAttention: rotary dimension \(rotary!.dimension) != headDim \(headDim)")
        self.dim = dim
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.causal = causal
        self.rotary = rotary
        precondition(attentionDropout >= 0 && attentionDropout <= 1,
                     "MultiHeadAttention: attentionDropout must be in [0, 1], got \(attentionDropout)")
        self.attentionDropout = attentionDropout
        let (q, kv) = (heads * headDim, kvHeads * headDim)
        if fusedQKV {
            qkv = Linear(dim, q + 2 * kv, bias: bias, dtype: dtype, generator: generator)
        } else {
            query = Linear(dim, q, bias: bias, dtype: dtype, generator: generator)
            key = Linear(dim, kv, bias: bias, dtype: dtype, generator: generator)
            value = Linear(dim, kv, bias: bias, dtype: dtype, generator: generator)
        }
        output = Linear(q, dim, bias: bias, dtype: dtype, generator: generator)
        super.init()
    }

    /// Attends `x` `[B, L, dim]` to itself (and to the cached positions), returning `[B, L, dim]`.
    ///
    /// - Parameters:
    ///   - x: the input `[B, L, dim]`.
    ///   - mask: key padding `[B, Lk]`, true (or non-zero) = a real token, where `Lk` counts the
    ///     cached positions plus the `L` new ones.
    ///   - cache: when given, the new keys and values are appended to it and the queries attend
    ///     to every cached position; positions (for RoPE and causality) start at its length.
    public func callAsFunction(_ x: Tensor, mask: Tensor? = nil, cache: AttentionCache? = nil) -> Tensor {
        precondition(x.rank == 3 && x.shape[2] == dim,
                     "MultiHeadAttention: input must be [batch, seq, \(dim)], got \(x.shape)")
        let (batch, length) = (x.shape[0], x.shape[1])
        if cache == nil, let packed = packedProjection(x) {
            return output(packedAttention(packed, mask: mask))
        }
        var q: Tensor, k: Tensor, v: Tensor
        let sizes = [heads * headDim, kvHeads * headDim, kvHeads * headDim]
        if let qkv {
            let parts = qkv(x).split(sizes: sizes, axis: 2)
            (q, k, v) = (parts[0], parts[1], parts[2])
        } else if packsProjections,
                  let packed = PackedProjection.output(of: [query, key, value], rows: x.reshape([-1, dim])) {
            // One GEMM even where rotary positions or a cache keep attention from reading the
            // product in place: q, k and v are views of it.
            let parts = packed.reshape([batch, length, -1]).split(sizes: sizes, axis: 2)
            (q, k, v) = (parts[0], parts[1], parts[2])
        } else {
            (q, k, v) = (query!(x), key!(x), value!(x))
        }
        q = q.reshape([batch, length, heads, headDim]).permute(0, 2, 1, 3)
        k = k.reshape([batch, length, kvHeads, headDim]).permute(0, 2, 1, 3)
        v = v.reshape([batch, length, kvHeads, headDim]).permute(0, 2, 1, 3)
        let past = cache?.length ?? 0
        if let rotary {
            q = rotary(q, offset: past)
            k = rotary(k, offset: past)
        }
        if let cache { (k, v) = cache.append(key: k, value: v) }
        let keys = k.shape[2]
        var attendMask: Tensor? = nil
        if let mask {
            precondition(mask.shape == [batch, keys],
                         "MultiHeadAttention: key padding mask must be [batch, keys] = [\(batch), \(keys)], got \(mask.shape)")
            attendMask = mask.dtype == .bool ? mask : mask.notEqual(0)
        }
        // Grouped key/value heads are read in place by the kernel; with cached keys the queries
        // are the last positions, so the causal limit is aligned bottom-right.
        let attended = Tensor.scaledDotProductAttention(q, k, v, causal: causal, causalOffset: past, mask: attendMask,
                                                        dropout: isTraining ? attentionDropout : 0,
                                                        generator: dropoutGenerator)
        return output(attended.permute(0, 2, 1, 3).reshape([batch, length, heads * headDim]))
    }

    /// The query, key and value projections of `x` side by side `[B, L, 3·dim]` from one GEMM
    /// (`PackedProjection`), when attention can read them packed: no rotary positions, as many
    /// key/value heads as query heads, and either the fused `qkv` projection or three projections
    /// that can share one product. Nil otherwise (the separate path).
    private func packedProjection(_ x: Tensor) -> Tensor? {
        guard packsProjections, rotary == nil, kvHeads == heads else { return nil }
        if let qkv { return qkv(x) }
        let (batch, length) = (x.shape[0], x.shape[1])
        return PackedProjection.output(of: [query, key, value], rows: x.reshape([-1, dim]))?.reshape([batch, length, -1])
    }

    /// Attention over a packed projection, returning `[B, L, heads·headDim]` for `output`.
    private func packedAttention(_ packed: Tensor, mask: Tensor?) -> Tensor {
        let (batch, length) = (packed.shape[0], packed.shape[1])
        var attendMask: Tensor? = nil
        if let mask {
            precondition(mask.shape == [batch, length],
                         "MultiHeadAttention: key padding mask must be [batch, keys] = [\(batch), \(length)], got \(mask.shape)")
            attendMask = mask.dtype == .bool ? mask : mask.notEqual(0)
        }
        let attended = Tensor.scaledDotProductAttention(packed: packed, heads: heads, causal: causal, mask: attendMask,
                                                        dropout: isTraining ? attentionDropout : 0,
                                                        generator: dropoutGenerator)
        return attended.permute(0, 2, 1, 3).reshape([batch, length, heads * headDim])
    }

    /// Attends each of the sequences packed end to end in `x` `[T, dim]` (no padding) to itself,
    /// returning `[T, dim]`: `T = Σ sequenceLengths`, and a token sees only the tokens of its own
    /// sequence (`Tensor.scaledDotProductAttention(packed:heads:sequenceLengths:)`).
    /// The projections run once over all `T` tokens.
    ///
    /// Needs a layer without rotary positions and with as many key/value heads as query heads
    /// (an encoder's attention); positions restart with each sequence only where the caller's
    /// embeddings make them so (``EncoderEmbeddings/callAsFunction(packed:sequenceLengths:tokenTypes:)``).
    public func callAsFunction(_ x: Tensor, sequenceLengths: [Int]) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == dim,
                     "MultiHeadAttention: packed input must be [tokens, \(dim)], got \(x.shape)")
        precondition(rotary == nil && kvHeads == heads,
                     "MultiHeadAttention: packed sequences need a layer without rotary positions and with kvHeads == heads (\(kvHeads) of \(heads))")
        let packed: Tensor
        if let qkv {
            packed = qkv(x)
        } else if packsProjections, let product = PackedProjection.output(of: [query, key, value], rows: x) {
            packed = product
        } else {
            packed = Tensor.concat([query!(x), key!(x), value!(x)], axis: 1)
        }
        return output(Tensor.scaledDotProductAttention(packed: packed, heads: heads, sequenceLengths: sequenceLengths,
                                                       causal: causal, dropout: isTraining ? attentionDropout : 0,
                                                       generator: dropoutGenerator))
    }

    /// Self-attention without a mask or cache (so the layer fits in a ``Sequential``).
    public func callAsFunction(_ x: Tensor) -> Tensor { self(x, mask: nil, cache: nil) }
}

extension MultiHeadAttention: LinearLayerSlots {
    /// Swaps the projection named `name` (`query`, `key`, `value`, `qkv` or `output`).
    @discardableResult
    public func replaceLinearLayer(named name: String, with layer: any LinearLayer) -> Bool {
        switch name {
        case "query": guard let old = query else { return false }; checkReplacement(name, old, layer); query = layer
        case "key": guard let old = key else { return false }; checkReplacement(name, old, layer); key = layer
        case "value": guard let old = value else { return false }; checkReplacement(name, old, layer); value = layer
        case "qkv": guard let old = qkv else { return false }; checkReplacement(name, old, layer); qkv = layer
        case "output": checkReplacement(name, output, layer); output = layer
        default: return false
        }
        invalidateTree()   // the new layer may predate the cached tree
        return true
    }
}
