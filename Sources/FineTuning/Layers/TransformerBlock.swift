import TensorKit

/// One transformer layer: self-attention and a feed-forward network, each wrapped in a
/// residual connection with normalisation and dropout.
///
/// - Pre-norm (GPT-2, LLaMA): `x + drop(attention(norm₁(x)))`, then `h + drop(ffn(norm₂(h)))`.
/// - Post-norm (original Transformer, BERT): `norm₁(x + drop(attention(x)))`, then
///   `norm₂(h + drop(ffn(h)))`.
///
/// Parameter names: `attention.*`, `attentionNorm.*`, `feedForward.*`, `feedForwardNorm.*`.
///
/// In post-norm blocks with ``LayerNorm``, each residual addition and its norm run as one fused
/// op (`Tensor.layerNorm(_:residual:weight:bias:eps:)`, forward and backward).
public final class TransformerBlock: Module, Layer {
    /// The self-attention sublayer.
    public var attention: MultiHeadAttention
    /// The normalisation around attention (before it in pre-norm, after the residual in post-norm).
    public var attentionNorm: any Layer
    /// The feed-forward sublayer.
    public var feedForward: FeedForward
    /// The normalisation around the feed-forward network.
    public var feedForwardNorm: any Layer
    /// Dropout on each sublayer's output before the residual addition.
    public var dropout: Dropout
    /// Whether normalisation comes before each sublayer (true) or after the residual (false).
    public let preNorm: Bool

    /// A block of width `dim`.
    ///
    /// - Parameters:
    ///   - dim: the model width.
    ///   - heads: attention heads.
    ///   - kvHeads: grouped-query key/value heads; `heads` when nil.
    ///   - hidden: the feed-forward width (commonly `4·dim`).
    ///   - kind: the feed-forward network (GELU MLP, SwiGLU...).
    ///   - norm: LayerNorm or RMSNorm.
    ///   - normEps: the normalisations' epsilon.
    ///   - preNorm: normalise before each sublayer (GPT-2, LLaMA) or after the residual (BERT).
    ///   - dropout: dropout probability on each sublayer's output.
    ///   - attentionDropout: dropout probability on the attention probabilities (BERT's
    ///     `attention_probs_dropout_prob`), drawn from the same generator as `dropout`.
    ///   - causal: each position attends only to itself and earlier ones (decoders).
    ///   - bias: whether the attention projections have biases.
    ///   - fusedQKV: one `qkv` projection instead of three (GPT-2's `c_attn` layout).
    ///   - rotary: RoPE for queries and keys, or nil.
    ///   - dtype: the parameter dtype.
    ///   - generator: draws the initial weights; the default generator when nil.
    public init(dim: Int, heads: Int, kvHeads: Int? = nil, hidden: Int, feedForward kind: FeedForward.Kind = .mlp(.gelu),
                norm: NormKind = .layerNorm, normEps: Double = 1e-5, preNorm: Bool = true, dropout: Double = 0,
                attentionDropout: Double = 0, causal: Bool = false, bias: Bool = true, fusedQKV: Bool = false, rotary: RotaryEmbedding? = nil,
                dtype: DType = .float32, generator: Generator? = nil) {
        attention = MultiHeadAttention(dim: dim, heads: heads, kvHeads: kvHeads, causal: causal, bias: bias,
                                       fusedQKV: fusedQKV, rotary: rotary, attentionDropout: attentionDropout,
                                       dtype: dtype, generator: generator)
        attention.dropoutGenerator = generator
        attentionNorm = norm.make(dim, eps: normEps, dtype: dtype)
        feedForward = FeedForward(dim: dim, hidden: hidden, kind: kind, bias: bias, dtype: dtype, generator: generator)
        feedForwardNorm = norm.make(dim, eps: normEps, dtype: dtype)
        self.dropout = Dropout(dropout, generator: generator)
        self.preNorm = preNorm
        super.init()
    }

    /// Applies the block to `x` `[B, L, dim]`; `mask` and `cache` go to ``MultiHeadAttention``.
    public func callAsFunction(_ x: Tensor, mask: Tensor? = nil, cache: AttentionCache? = nil) -> Tensor {
        forward(x) { attention($0, mask: mask, cache: cache) }
    }

    /// Applies the block to sequences packed end to end without padding, `x` `[T, dim]` with
    /// `T = Σ sequenceLengths`; attention stays within each sequence
    /// (``MultiHeadAttention/callAsFunction(_:sequenceLengths:)``), every other part works token by token.
    public func callAsFunction(_ x: Tensor, sequenceLengths: [Int]) -> Tensor {
        forward(x) { attention($0, sequenceLengths: sequenceLengths) }
    }

    /// The block around `attend`, the attention sublayer applied to its input.
    private func forward(_ x: Tensor, attend: (Tensor) -> Tensor) -> Tensor {
        if preNorm {
            let h = x + dropout(attend(attentionNorm(x)))
            return h + dropout(feedForward(feedForwardNorm(h)))
        }
        let h = normalized(attentionNorm, dropout(attend(x)), residual: x)
        return normalized(feedForwardNorm, dropout(feedForward(h)), residual: h)
    }

    /// `norm(residual + y)`; a ``LayerNorm`` adds and normalises in one fused op.
    private func normalized(_ norm: any Layer, _ y: Tensor, residual: Tensor) -> Tensor {
        if let layerNorm = norm as? LayerNorm { return layerNorm(y, residual: residual) }
        return norm(residual + y)
    }

    /// The block without a mask or cache (so blocks fit in a ``Sequential``).
    public func callAsFunction(_ x: Tensor) -> Tensor { self(x, mask: nil, cache: nil) }

    /// Like ``callAsFunction(_:mask:cache:)`` (without a cache) under activation checkpointing:
    /// the block's intermediate tensors are dropped after the forward pass and recomputed during
    /// backward, trading compute for memory.
    ///
    /// Dropout masks match between the two runs: the state of the dropout's own generator (when
    /// it has one; TensorKit restores the default generator itself) is replayed for the
    /// recomputation and then put back.
    public func checkpointed(_ x: Tensor, mask: Tensor? = nil) -> Tensor {
        checkpointed(x) { [self] in self($0, mask: mask) }
    }

    /// ``callAsFunction(_:sequenceLengths:)`` under activation checkpointing, as
    /// ``checkpointed(_:mask:)``.
    public func checkpointed(_ x: Tensor, sequenceLengths: [Int]) -> Tensor {
        checkpointed(x) { [self] in self($0, sequenceLengths: sequenceLengths) }
    }

    /// `run` (this block on one input) checkpointed, with its dropout replayed on recomputation.
    private func checkpointed(_ x: Tensor, run: @escaping (Tensor) -> Tensor) -> Tensor {
        let generator = dropout.generator
        let start = generator?.stateWords
        var recomputing = false
        return checkpoint([x]) { inputs in
            guard recomputing, let generator, let start else {
                recomputing = true
                return run(inputs[0])
            }
            let current = generator.stateWords
            generator.stateWords = start
            defer { generator.stateWords = current }
            return run(inputs[0])
        }
    }
}
