import TensorKit

/// The shape of a BERT-style ``Encoder``; defaults are BERT-base's.
public struct EncoderConfig: Sendable, Equatable {
    /// The number of token ids.
    public var vocabularySize: Int
    /// The size of the learned position table (longest sequence).
    public var maxPositions: Int = 512
    /// The number of token types (segments); 0 for none.
    public var typeVocabularySize: Int = 2
    /// The model width.
    public var dim: Int = 768
    /// The number of transformer blocks.
    public var layers: Int = 12
    /// Attention heads per block.
    public var heads: Int = 12
    /// Feed-forward width.
    public var hidden: Int = 3072
    /// The feed-forward activation (BERT: exact GELU).
    public var activation: Activation = .gelu
    /// LayerNorm epsilon (BERT: 1e-12).
    public var normEps: Double = 1e-12
    /// Dropout after the embeddings and on each sublayer output (training only).
    public var dropout: Double = 0.1
    /// Dropout on the attention probabilities (training only; BERT:
    /// `attention_probs_dropout_prob`, 0.1). 0 here unless set, so an encoder built from scratch
    /// drops only what ``dropout`` says; ``BertConfig/encoderConfig(pooler:)`` sets it from the file.
    public var attentionDropout: Double = 0
    /// Whether to build BERT's pooler (`tanh(dense(hidden[CLS]))`).
    public var pooler: Bool = true
    /// The standard deviation of the normal initialisation.
    public var initStd: Double = 0.02
    /// The parameter dtype.
    public var dtype: DType = .float32

    /// A configuration; the other fields keep their BERT-base defaults and can be set afterwards.
    public init(vocabularySize: Int, dim: Int = 768, layers: Int = 12, heads: Int = 12, hidden: Int = 3072) {
        self.vocabularySize = vocabularySize
        self.dim = dim
        self.layers = layers
        self.heads = heads
        self.hidden = hidden
    }
}

/// BERT's embedding layer: token + position + token-type embeddings, then LayerNorm and dropout.
public final class EncoderEmbeddings: Module, InputEmbedding {
    /// Token ids → vectors.
    public var wordEmbeddings: Embedding
    /// Learned absolute positions.
    public var positionEmbeddings: Embedding
    /// Segment (token type) embeddings, if the model has token types.
    public var tokenTypeEmbeddings: Embedding?
    /// LayerNorm over the summed embeddings.
    public var norm: LayerNorm
    /// Dropout after the norm.
    public var dropout: Dropout

    /// Embeddings for `config`.
    public init(_ config: EncoderConfig, generator: Generator? = nil) {
        let c = config
        wordEmbeddings = Embedding(c.vocabularySize, c.dim, dtype: c.dtype, generator: generator)
        positionEmbeddings = Embedding(c.maxPositions, c.dim, dtype: c.dtype, generator: generator)
        if c.typeVocabularySize > 0 {
            tokenTypeEmbeddings = Embedding(c.typeVocabularySize, c.dim, dtype: c.dtype, generator: generator)
        }
        norm = LayerNorm(c.dim, eps: c.normEps, dtype: c.dtype)
        dropout = Dropout(c.dropout, generator: generator)
        super.init()
    }

    /// `[B, L]` ids (and optional `[B, L]` token types, zeros when nil) → `[B, L, dim]`.
    public func callAsFunction(_ ids: Tensor, tokenTypes: Tensor? = nil) -> Tensor {
        let length = ids.shape[1]
        precondition(length <= positionEmbeddings.count,
                     "Encoder: sequence length \(length) exceeds maxPositions \(positionEmbeddings.count)")
        var h = wordEmbeddings(ids) + positionEmbeddings(Tensor((0..<length).map { Int32($0) }, shape: [length]))
        if let tokenTypeEmbeddings {
            let types = tokenTypes ?? Tensor.zeros(ids.shape, dtype: .int32)
            h = h + tokenTypeEmbeddings(types)
        }
        return dropout(norm(h))
    }

    /// Sequences packed end to end without padding: `[T]` ids (and optional `[T]` token types,
    /// zeros when nil), `T = Σ sequenceLengths` → `[T, dim]`. Positions restart at 0 with each
    /// sequence, so every token gets the embedding it would get in a padded batch.
    public func callAsFunction(packed ids: Tensor, sequenceLengths: [Int], tokenTypes: Tensor? = nil) -> Tensor {
        precondition(ids.rank == 1 && ids.dtype.isInteger,
                     "Encoder: packed ids must be int [tokens], got \(ids.dtype) \(ids.shape)")
        precondition(sequenceLengths.allSatisfy { $0 > 0 && $0 <= positionEmbeddings.count }
                     && sequenceLengths.reduce(0, +) == ids.shape[0],
                     "Encoder: sequence lengths \(sequenceLengths) must lie in 1...\(positionEmbeddings.count) and sum to the \(ids.shape[0]) packed ids")
        let positions = sequenceLengths.flatMap { (0..<$0).map { Int32($0) } }
        var h = wordEmbeddings(ids) + positionEmbeddings(Tensor(positions, shape: [positions.count]))
        if let tokenTypeEmbeddings {
            h = h + tokenTypeEmbeddings(tokenTypes ?? Tensor.zeros(ids.shape, dtype: .int32))
        }
        return dropout(norm(h))
    }
}

/// A BERT-style bidirectional transformer encoder (post-norm blocks, exact GELU).
///
/// Names are chosen to map one-to-one onto Hugging Face `BertModel` checkpoints:
///
/// | Swift                                   | Hugging Face BERT                                        |
/// |-----------------------------------------|----------------------------------------------------------|
/// | `embeddings.wordEmbeddings.weight`      | `embeddings.word_embeddings.weight`                      |
/// | `embeddings.positionEmbeddings.weight`  | `embeddings.position_embeddings.weight`                  |
/// | `embeddings.tokenTypeEmbeddings.weight` | `embeddings.token_type_embeddings.weight`                |
/// | `embeddings.norm.{weight,bias}`         | `embeddings.LayerNorm.{weight,bias}` (or gamma/beta)     |
/// | `layers.N.attention.query.*`            | `encoder.layer.N.attention.self.query.*`                 |
/// | `layers.N.attention.key.*`              | `encoder.layer.N.attention.self.key.*`                   |
/// | `layers.N.attention.value.*`            | `encoder.layer.N.attention.self.value.*`                 |
/// | `layers.N.attention.output.*`           | `encoder.layer.N.attention.output.dense.*`               |
/// | `layers.N.attentionNorm.*`              | `encoder.layer.N.attention.output.LayerNorm.*`           |
/// | `layers.N.feedForward.up.*`             | `encoder.layer.N.intermediate.dense.*`                   |
/// | `layers.N.feedForward.down.*`           | `encoder.layer.N.output.dense.*`                         |
/// | `layers.N.feedForwardNorm.*`            | `encoder.layer.N.output.LayerNorm.*`                     |
/// | `pooler.*`                              | `pooler.dense.*`                                         |
///
/// (`bert.` prefixes in task checkpoints, such as `BertForSequenceClassification`, map to
/// ``SequenceClassifier``'s `encoder.`; its `classifier.*` maps to `classifier.*`.)
///
/// ```swift
/// let encoder = Encoder(EncoderConfig(vocabularySize: 1000, dim: 64, layers: 2, heads: 4, hidden: 128))
/// let hidden = encoder(ids, mask: attentionMask)   // [B, L, 64]
/// ```
public final class Encoder: Module {
    /// Token, position and token-type embeddings with their norm.
    public var embeddings: EncoderEmbeddings
    /// The transformer blocks (post-norm, bidirectional).
    public var layers: [TransformerBlock]
    /// BERT's pooler: a `dim → dim` projection of the first (`[CLS]`) position, then tanh.
    public var pooler: Linear?
    /// The configuration the model was built from.
    public let config: EncoderConfig
    /// Recompute each block during backward instead of keeping its activations (see
    /// ``TransformerBlock/checkpointed(_:mask:)``); used only when gradients are recorded.
    public var gradientCheckpointing = false

    /// A freshly initialised encoder (normal weights with `config.initStd`, zero biases).
    public init(_ config: EncoderConfig, generator: Generator? = nil) {
        let c = config
        self.config = c
        embeddings = EncoderEmbeddings(c, generator: generator)
        layers = (0..<c.layers).map { _ in
            TransformerBlock(dim: c.dim, heads: c.heads, hidden: c.hidden, feedForward: .mlp(c.activation),
                             norm: .layerNorm, normEps: c.normEps, preNorm: false, dropout: c.dropout,
                             attentionDropout: c.attentionDropout, causal: false, bias: true, dtype: c.dtype, generator: generator)
        }
        if c.pooler { pooler = Linear(c.dim, c.dim, dtype: c.dtype, generator: generator) }
        super.init()
        if ParameterInitialization.isSkipped { return }
        withGradientsDisabled {
            for (_, module) in namedModules() {
                if let linear = module as? Linear {
                    linear.weight.assign(Tensor.normal(linear.weight.shape, std: c.initStd, dtype: c.dtype, generator: generator))
                    linear.bias?.assign(Tensor.zeros(linear.bias!.shape, dtype: c.dtype))
                } else if let embedding = module as? Embedding {
                    embedding.weight.assign(Tensor.normal(embedding.weight.shape, std: c.initStd, dtype: c.dtype,
                                                          generator: generator))
                }
            }
        }
    }

    /// Hidden states `[B, L, dim]` for ids `[B, L]`.
    ///
    /// - Parameters:
    ///   - ids: token ids `[B, L]`, int32 or int64.
    ///   - tokenTypes: `[B, L]` segment ids; zeros when nil.
    ///   - mask: `[B, L]` attention mask, true or non-zero for real tokens (Hugging Face's
    ///     `attention_mask`); padding positions are not attended to.
    public func callAsFunction(_ ids: Tensor, tokenTypes: Tensor? = nil, mask: Tensor? = nil) -> Tensor {
        precondition(ids.rank == 2 && ids.dtype.isInteger, "Encoder: ids must be int [batch, seq], got \(ids.dtype) \(ids.shape)")
        var h = embeddings(ids, tokenTypes: tokenTypes)
        let checkpointing = gradientCheckpointing && GradMode.isEnabled
        for layer in layers { h = checkpointing ? layer.checkpointed(h, mask: mask) : layer(h, mask: mask) }
        return h
    }

    /// Hidden states `[T, dim]` for sequences packed end to end without padding: `ids` `[T]`
    /// (int32 or int64) holds them one after the other, `T = Σ sequenceLengths`. Each token
    /// attends only to its own sequence and gets the hidden state it would get in a padded batch
    /// with an attention mask, while the projections, norms and feed-forward layers run on the
    /// `T` real tokens only (see ``meanPooling(_:sequenceLengths:)`` for sentence embeddings).
    ///
    /// ```swift
    /// let hidden = encoder(packed: ids, sequenceLengths: [5, 3])   // ids: [8] → [8, dim]
    /// ```
    public func callAsFunction(packed ids: Tensor, sequenceLengths: [Int], tokenTypes: Tensor? = nil) -> Tensor {
        var h = embeddings(packed: ids, sequenceLengths: sequenceLengths, tokenTypes: tokenTypes)
        let checkpointing = gradientCheckpointing && GradMode.isEnabled
        for layer in layers {
            h = checkpointing ? layer.checkpointed(h, sequenceLengths: sequenceLengths) : layer(h, sequenceLengths: sequenceLengths)
        }
        return h
    }

    /// BERT's pooled output `tanh(pooler(hidden[:, 0]))` `[B, dim]` (needs `config.pooler`).
    public func pooled(_ hidden: Tensor) -> Tensor {
        guard let pooler else { preconditionFailure("Encoder.pooled: the model was built without a pooler") }
        return pooler(clsPooling(hidden)).tanh()
    }
}

/// The first position of each sequence, `[B, L, D] → [B, D]` (the `[CLS]` token).
public func clsPooling(_ hidden: Tensor) -> Tensor {
    precondition(hidden.rank == 3, "clsPooling: hidden must be [batch, seq, dim], got \(hidden.shape)")
    return hidden.select(axis: 1, index: 0)
}

/// The mean over real tokens, `[B, L, D] → [B, D]`; `mask` `[B, L]` (bool or 0/1) marks them.
/// Without a mask every position counts. Sentence-transformers' mean pooling.
public func meanPooling(_ hidden: Tensor, mask: Tensor? = nil) -> Tensor {
    precondition(hidden.rank == 3, "meanPooling: hidden must be [batch, seq, dim], got \(hidden.shape)")
    guard let mask else { return hidden.sum(axes: [1]) / Double(hidden.shape[1]) }
    precondition(mask.shape == Array(hidden.shape.prefix(2)),
                 "meanPooling: mask shape \(mask.shape) does not match hidden \(hidden.shape)")
    let weights = (mask.dtype == .bool ? mask : mask.notEqual(0)).cast(to: hidden.dtype).unsqueezed(axis: 2)
    let counts = weights.sum(axes: [1]).clamp(min: 1e-9)
    return (hidden * weights).sum(axes: [1]) / counts
}

/// The mean of each sequence's rows of packed hidden states, `[T, D] → [B, D]` with
/// `T = Σ sequenceLengths` (``Encoder/callAsFunction(packed:sequenceLengths:tokenTypes:)``):
/// the packed counterpart of ``meanPooling(_:mask:)``.
public func meanPooling(_ hidden: Tensor, sequenceLengths: [Int]) -> Tensor {
    precondition(hidden.rank == 2 && sequenceLengths.allSatisfy { $0 > 0 } && sequenceLengths.reduce(0, +) == hidden.shape[0],
                 "meanPooling: hidden \(hidden.shape) must be [tokens, dim] with positive sequence lengths summing to tokens, got \(sequenceLengths)")
    return Tensor.stack(hidden.split(sizes: sequenceLengths, axis: 0).map { $0.mean(axes: [0]) })
}
