import TensorKit

/// The shape of a ``GPT`` model.
///
/// The defaults describe GPT-2 (learned positions, pre-norm LayerNorm blocks, tanh GELU MLP,
/// biases, a head tied to the token embedding); LLaMA-like models use
/// `positions: .rotary(base: 10_000)`, `norm: .rmsNorm`, `feedForward: .swiGLU`, `bias: false`
/// and usually `kvHeads < heads`.
public struct GPTConfig: Sendable, Equatable {
    /// The number of token ids.
    public var vocabularySize: Int
    /// The longest sequence (the size of the learned position table).
    public var maxPositions: Int
    /// The model width.
    public var dim: Int
    /// The number of transformer blocks.
    public var layers: Int
    /// Query heads per block.
    public var heads: Int
    /// Key/value heads (grouped-query attention); `heads` when nil.
    public var kvHeads: Int?
    /// Feed-forward width; `4·dim` when nil.
    public var hidden: Int?
    /// How positions are encoded.
    public var positions: PositionEncoding = .learned
    /// The feed-forward network of each block.
    public var feedForward: FeedForward.Kind = .mlp(.geluTanh)
    /// The normalisation of each block and of the final norm.
    public var norm: NormKind = .layerNorm
    /// Normalisation epsilon.
    public var normEps: Double = 1e-5
    /// Dropout on embeddings and on each sublayer output (training only).
    public var dropout: Double = 0
    /// Whether projections have biases.
    public var bias: Bool = true
    /// One fused `qkv` projection per block instead of `query`/`key`/`value` (GPT-2's `c_attn`).
    public var fusedQKV: Bool = false
    /// Whether the output head reuses the token embedding matrix.
    public var tiedHead: Bool = true
    /// Whether the output head has a bias.
    public var headBias: Bool = false
    /// The standard deviation of the normal initialisation of weights and embeddings.
    public var initStd: Double = 0.02
    /// The parameter dtype.
    public var dtype: DType = .float32

    /// A configuration; the remaining fields keep their GPT-2 defaults and can be set afterwards.
    public init(vocabularySize: Int, maxPositions: Int, dim: Int, layers: Int, heads: Int, kvHeads: Int? = nil,
                hidden: Int? = nil) {
        self.vocabularySize = vocabularySize
        self.maxPositions = maxPositions
        self.dim = dim
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads
        self.hidden = hidden
    }
}

/// A decoder-only transformer language model (GPT-2 / LLaMA family).
///
/// Parameter names: `tokenEmbedding.weight`, `positionEmbedding.weight` (learned positions),
/// `layers.N.attention.{query,key,value,output}.{weight,bias}`, `layers.N.attentionNorm.*`,
/// `layers.N.feedForward.{gate,up,down}.*`, `layers.N.feedForwardNorm.*`, `finalNorm.*`,
/// `head.weight` / `head.bias` (untied head) or `headBias` (tied head with a bias).
///
/// They map one-to-one onto Hugging Face checkpoints (checked against `transformers` by
/// `Tests/Fixtures/make_hf_decoder_fixtures.py`):
///
/// | Swift                               | GPT-2 (`fusedQKV: true`)                 | LLaMA                                  |
/// |-------------------------------------|------------------------------------------|----------------------------------------|
/// | `tokenEmbedding.weight`             | `transformer.wte.weight`                 | `model.embed_tokens.weight`            |
/// | `positionEmbedding.weight`          | `transformer.wpe.weight`                 | —                                      |
/// | `layers.N.attentionNorm.*`          | `transformer.h.N.ln_1.*`                 | `model.layers.N.input_layernorm.*`     |
/// | `layers.N.attention.qkv.*`          | `transformer.h.N.attn.c_attn.*` (ᵀ)      | —                                      |
/// | `layers.N.attention.{query,key,value}.*` | —                                   | `model.layers.N.self_attn.{q,k,v}_proj.*` |
/// | `layers.N.attention.output.*`       | `transformer.h.N.attn.c_proj.*` (ᵀ)      | `model.layers.N.self_attn.o_proj.*`    |
/// | `layers.N.feedForwardNorm.*`        | `transformer.h.N.ln_2.*`                 | `model.layers.N.post_attention_layernorm.*` |
/// | `layers.N.feedForward.gate.*`       | —                                        | `model.layers.N.mlp.gate_proj.*`       |
/// | `layers.N.feedForward.up.*`         | `transformer.h.N.mlp.c_fc.*` (ᵀ)         | `model.layers.N.mlp.up_proj.*`         |
/// | `layers.N.feedForward.down.*`       | `transformer.h.N.mlp.c_proj.*` (ᵀ)       | `model.layers.N.mlp.down_proj.*`       |
/// | `finalNorm.*`                       | `transformer.ln_f.*`                     | `model.norm.*`                         |
/// | `head.weight`                       | tied (`lm_head` = `wte`)                 | `lm_head.weight`                       |
///
/// (ᵀ): GPT-2's `Conv1D` weights are stored `[in, out]` and are transposed on loading.
///
/// ```swift
/// let tokenizer = ByteTokenizer()                         // 259 ids: 256 bytes, BOS, EOS, PAD
/// var config = GPTConfig(vocabularySize: tokenizer.vocabularySize, maxPositions: 64, dim: 32, layers: 2, heads: 4)
/// let model = GPT(config, generator: Generator(seed: 0))
/// let logits = model(ids)                                 // ids [B, L] int → [B, L, 259]
/// let loss = model.loss(ids, targets: nextIds)
/// ```
public final class GPT: Module {
    /// Token ids → vectors: an ``Embedding``, or a frozen ``QuantizedEmbedding`` that keeps the
    /// table in its GGUF blocks (``PretrainedLLM`` with `quantized: true`); a tied head reads
    /// the same table, in its blocks too. Assigning a new table re-reads the module tree.
    public var tokenEmbedding: any EmbeddingLayer {
        didSet { invalidateTree() }
    }
    /// Learned positions (nil for sinusoidal or rotary positions).
    public var positionEmbedding: Embedding?
    /// The transformer blocks (pre-norm, causal).
    public var layers: [TransformerBlock]
    /// Normalisation after the last block.
    public var finalNorm: any Layer
    /// The output projection when not tied to the token embedding.
    public var head: Linear?
    /// The output bias of a tied head, if it has one.
    public var headBias: Tensor?
    /// Dropout on the summed embeddings.
    public var embeddingDropout: Dropout
    /// The configuration the model was built from.
    public let config: GPTConfig
    /// Recompute each block during backward instead of keeping its activations (see
    /// ``TransformerBlock/checkpointed(_:mask:)``); used only when gradients are recorded and
    /// no cache is given.
    public var gradientCheckpointing = false

    /// A freshly initialised model, as GPT-2 and nanoGPT: weights and embeddings normal with
    /// `config.initStd`, except the projections that write into the residual stream
    /// (`attention.output`, `feedForward.down`), whose std is divided by `√(2·layers)`; biases
    /// zero, norms at identity.
    public init(_ config: GPTConfig, generator: Generator? = nil) {
        let c = config
        self.config = c
        tokenEmbedding = Embedding(c.vocabularySize, c.dim, dtype: c.dtype, generator: generator)
        if c.positions == .learned {
            positionEmbedding = Embedding(c.maxPositions, c.dim, dtype: c.dtype, generator: generator)
        }
        var rotary: RotaryEmbedding? = nil
        if case .rotary(let base) = c.positions { rotary = RotaryEmbedding(dimension: c.dim / c.heads, base: base) }
        layers = (0..<c.layers).map { _ in
            TransformerBlock(dim: c.dim, heads: c.heads, kvHeads: c.kvHeads, hidden: c.hidden ?? 4 * c.dim,
                             feedForward: c.feedForward, norm: c.norm, normEps: c.normEps, preNorm: true,
                             dropout: c.dropout, causal: true, bias: c.bias, fusedQKV: c.fusedQKV, rotary: rotary, dtype: c.dtype,
                             generator: generator)
        }
        finalNorm = c.norm.make(c.dim, eps: c.normEps, dtype: c.dtype)
        if !c.tiedHead {
            head = Linear(c.dim, c.vocabularySize, bias: c.headBias, dtype: c.dtype, generator: generator)
        } else if c.headBias {
            headBias = Tensor.zeros([c.vocabularySize], dtype: c.dtype).parameter()
        }
        embeddingDropout = Dropout(c.dropout, generator: generator)
        super.init()
        initializeWeights(std: c.initStd, generator: generator)
    }

    /// Logits `[B, L, vocabularySize]` for token ids `[B, L]` (int32/int64).
    ///
    /// - Parameters:
    ///   - ids: token ids `[B, L]`, int32 or int64.
    ///   - mask: key padding `[B, Lk]` (true or non-zero = real token), covering the cached
    ///     positions and the new ones.
    ///   - cache: when given, positions start at its length and each block appends its keys and
    ///     values to it (incremental decoding).
    public func callAsFunction(_ ids: Tensor, mask: Tensor? = nil, cache: KVCache? = nil) -> Tensor {
        vocabularyLogits(hiddenStates(ids, mask: mask, cache: cache))
    }

    /// The final-norm output `[B, L, dim]` for token ids `[B, L]`: everything but the output head.
    /// Arguments as ``callAsFunction(_:mask:cache:)``.
    public func hiddenStates(_ ids: Tensor, mask: Tensor? = nil, cache: KVCache? = nil) -> Tensor {
        precondition(ids.rank == 2 && ids.dtype.isInteger, "GPT: ids must be int [batch, seq], got \(ids.dtype) \(ids.shape)")
        precondition(cache == nil || cache!.layers.count == layers.count,
                     "GPT: cache has \(cache!.layers.count) layers, model has \(layers.count)")
        let length = ids.shape[1]
        let offset = cache?.length ?? 0
        var h = tokenEmbedding(ids)
        switch config.positions {
        case .learned:
            precondition(offset + length <= config.maxPositions,
                         "GPT: positions up to \(offset + length) exceed maxPositions \(config.maxPositions)")
            let positions = Tensor((offset..<(offset + length)).map { Int32($0) }, shape: [length])
            h = h + positionEmbedding!(positions)
        case .sinusoidal:
            h = h + SinusoidalPositions.table(length: length, dimension: config.dim, offset: offset, dtype: config.dtype)
        case .rotary:
            break
        }
        h = embeddingDropout(h)
        let checkpointing = gradientCheckpointing && cache == nil && GradMode.isEnabled
        for (i, layer) in layers.enumerated() {
            h = checkpointing ? layer.checkpointed(h, mask: mask) : layer(h, mask: mask, cache: cache?.layers[i])
        }
        return finalNorm(h)
    }

    /// The output head: hidden states `[..., dim]` → logits `[..., vocabularySize]`.
    public func vocabularyLogits(_ hidden: Tensor) -> Tensor {
        if let head { return head(hidden) }
        let positions = hidden.reshape([-1, config.dim])
        let rows: Tensor
        if let table = tokenEmbedding as? QuantizedEmbedding {
            rows = Tensor.quantizedLinear(positions, weight: table.quantizedWeight)
        } else {
            // One GEMM over all positions, reading the embedding matrix transposed in place.
            rows = positions.matmul(tokenEmbedding.weight.transposed())
        }
        let logits = rows.reshape(Array(hidden.shape.dropLast()) + [config.vocabularySize])
        return headBias.map { logits + $0 } ?? logits
    }

    /// Mean next-token cross-entropy of the logits for `ids` against `targets` (same shape;
    /// `ignoreIndex` entries are skipped).
    ///
    /// The head and the loss run fused (TensorKit's `Tensor.linearCrossEntropy`, or
    /// `Tensor.quantizedLinearCrossEntropy` for a tied head in its blocks):
    /// only the positions that have a target go through the head, a chunk of them at a time, so
    /// the `[positions, vocabularySize]` logits are never held — with a large vocabulary they
    /// and their softmax and gradient would be the largest activations of the model.
    public func loss(_ ids: Tensor, targets: Tensor, mask: Tensor? = nil, ignoreIndex: Int = -100) -> Tensor {
        precondition(targets.shape == ids.shape && targets.dtype.isInteger,
                     "GPT.loss: targets must be int with the shape of ids \(ids.shape), got \(targets.dtype) \(targets.shape)")
        let hidden = hiddenStates(ids, mask: mask).reshape([-1, config.dim])
        let flatTargets = targets.reshape([-1])
        if let head, !head.adapters.isEmpty {
            // An adapted head is more than its weight: through the layer, then the loss.
            return Tensor.crossEntropy(logits: head(hidden), targets: flatTargets, ignoreIndex: ignoreIndex)
        }
        if head == nil, let table = tokenEmbedding as? QuantizedEmbedding {
            return Tensor.quantizedLinearCrossEntropy(hidden, weight: table.quantizedWeight, bias: headBias,
                                                      targets: flatTargets, ignoreIndex: ignoreIndex)
        }
        let (weight, bias) = head.map { ($0.weight, $0.bias) } ?? (tokenEmbedding.weight, headBias)
        return Tensor.linearCrossEntropy(hidden, weight: weight, bias: bias, targets: flatTargets, ignoreIndex: ignoreIndex)
    }

    /// A cache sized for this model.
    public func makeCache() -> KVCache { KVCache(layers: layers.count) }

    private func initializeWeights(std: Double, generator: Generator?) {
        if ParameterInitialization.isSkipped { return }
        withGradientsDisabled {
            let residualStd = std / (2 * Double(Swift.max(1, config.layers))).squareRoot()
            for (name, module) in namedModules() {
                if let linear = module as? Linear {
                    let writesResidual = name.hasSuffix("attention.output") || name.hasSuffix("feedForward.down")
                    linear.weight.assign(Tensor.normal(linear.weight.shape, std: writesResidual ? residualStd : std,
                                                       dtype: linear.weight.dtype, generator: generator))
                    linear.bias?.assign(Tensor.zeros(linear.bias!.shape, dtype: linear.bias!.dtype))
                } else if let embedding = module as? Embedding {
                    embedding.weight.assign(Tensor.normal(embedding.weight.shape, std: std,
                                                          dtype: embedding.weight.dtype, generator: generator))
                }
            }
        }
    }
}
