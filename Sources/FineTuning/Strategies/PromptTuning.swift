import TensorKit

/// Prompt tuning (Lester et al., 2021): `count` trainable virtual-token vectors prepended to the
/// input embeddings; the model itself stays frozen.
///
/// The models build their input embeddings inside their forward pass, so prompt tuning wraps
/// them: ``PromptTunedEncoder``, ``PromptTunedClassifier`` and ``PromptTunedGPT`` run the
/// model's own embeddings, blocks and heads with the virtual tokens in front, as PEFT does
/// (attention mask extended with ones, token types with zeros, positions counted over the whole
/// sequence, `[CLS]` pooling reading the first position).
///
/// ```swift
/// let tuned = PromptTunedClassifier(classifier, virtualTokens: 20)
/// try PromptTuning().prepare(tuned)     // only tuned.prompt.weight trains
/// let logits = tuned(ids, mask: mask)
/// ```
public final class PromptEmbedding: Module {
    /// `[count, dim]`.
    public var weight: Tensor
    /// The number of virtual tokens.
    public var count: Int { weight.shape[0] }

    /// Virtual tokens drawn from a normal with std `std`, or copied from rows `initFrom` of an
    /// embedding table (PEFT's `prompt_tuning_init="TEXT"`, with the ids of an init text),
    /// cycled to `count`.
    public init(count: Int, dim: Int, std: Double = 0.02, initFrom: (table: any EmbeddingLayer, ids: [Int])? = nil,
                dtype: DType = .float32, generator: Generator? = nil) {
        precondition(count > 0 && dim > 0, "PromptEmbedding: sizes must be positive, got \(count) × \(dim)")
        if let (table, ids) = initFrom, !ids.isEmpty {
            precondition(table.dimension == dim, "PromptEmbedding: table width \(table.dimension) != \(dim)")
            let cycled = (0..<count).map { Int32(ids[$0 % ids.count]) }
            weight = withGradientsDisabled { table(Tensor(cycled, shape: [count])).cast(to: dtype).contiguous() }.parameter()
        } else {
            weight = Tensor.normal([count, dim], std: std, dtype: dtype, generator: generator).parameter()
        }
        super.init()
    }

    /// `[B, L, D]` embeddings → `[B, count + L, D]`.
    public func prepend(to embeddings: Tensor) -> Tensor {
        let batch = embeddings.shape[0]
        let prompts = weight.unsqueezed(axis: 0).expand(to: [batch, count, weight.shape[1]])
        return Tensor.concat([prompts.cast(to: embeddings.dtype), embeddings], axis: 1)
    }

    /// Extends a `[B, L]` mask (or token types) with `value` for the virtual positions.
    func extend(_ tensor: Tensor?, value: Double, batch: Int, length: Int) -> Tensor? {
        guard let tensor else { return nil }
        let front = Tensor.full([batch, count], value: value, dtype: tensor.dtype == .bool ? .float32 : tensor.dtype)
        let body = tensor.dtype == .bool ? tensor.cast(to: .float32) : tensor
        return Tensor.concat([front, body], axis: 1)
    }
}

/// The prompt-tuning strategy: freezes everything except the ``PromptEmbedding`` modules of a
/// prompt-tuned wrapper (and `alwaysTrain` modules).
public struct PromptTuning: FineTuningStrategy {
    public var name: String { "prompt" }
    /// Module paths (or globs) that train fully, e.g. `["model.classifier"]`.
    public var alwaysTrain: [String]
    /// Prompt tuning, also training the modules matching `alwaysTrain` fully.
    public init(alwaysTrain: [String] = []) { self.alwaysTrain = alwaysTrain }

    public func apply(to model: Module) throws {
        let prompts = model.namedModules().filter { $0.module is PromptEmbedding }
        guard !prompts.isEmpty else {
            throw StrategyError.noMatch(pattern: "PromptEmbedding", what: "prompt embedding (wrap the model in a PromptTuned* module)")
        }
        model.freeze()
        prompts.forEach { $0.module.unfreeze() }
        try model.unfreezeModules(alwaysTrain)
    }
}

/// An ``Encoder`` with trainable virtual tokens in front of every sequence.
public final class PromptTunedEncoder: Module {
    /// The virtual tokens.
    public var prompt: PromptEmbedding
    /// The wrapped encoder (its parameter names gain the prefix `encoder.`).
    public var encoder: Encoder

    /// Wraps `encoder` with `virtualTokens` trainable positions, initialised from the embeddings
    /// of the token `ids` when given (repeated to fill), at random otherwise.
    public init(_ encoder: Encoder, virtualTokens: Int, initFrom ids: [Int]? = nil, generator: Generator? = nil) {
        let c = encoder.config
        prompt = PromptEmbedding(count: virtualTokens, dim: c.dim, initFrom: ids.map { (encoder.embeddings.wordEmbeddings, $0) },
                                 dtype: c.dtype, generator: generator)
        self.encoder = encoder
        super.init()
    }

    /// Hidden states `[B, count + L, dim]` (virtual positions first).
    public func callAsFunction(_ ids: Tensor, tokenTypes: Tensor? = nil, mask: Tensor? = nil) -> Tensor {
        Self.forward(encoder, prompt: prompt, ids: ids, tokenTypes: tokenTypes, mask: mask)
    }

    /// `encoder` run on `ids` with `prompt`'s vectors in front of the word embeddings.
    static func forward(_ encoder: Encoder, prompt: PromptEmbedding, ids: Tensor, tokenTypes: Tensor?, mask: Tensor?) -> Tensor {
        let (batch, length) = (ids.shape[0], ids.shape[1])
        let total = prompt.count + length
        let e = encoder.embeddings
        precondition(total <= e.positionEmbeddings.count,
                     "PromptTunedEncoder: \(prompt.count) virtual + \(length) tokens exceed maxPositions \(e.positionEmbeddings.count)")
        var h = prompt.prepend(to: e.wordEmbeddings(ids))
        h = h + e.positionEmbeddings(Tensor((0..<total).map { Int32($0) }, shape: [total]))
        if let types = e.tokenTypeEmbeddings {
            let given = prompt.extend(tokenTypes, value: 0, batch: batch, length: length)
            h = h + types(given ?? Tensor.zeros([batch, total], dtype: .int32))
        }
        h = e.dropout(e.norm(h))
        let fullMask = prompt.extend(mask, value: 1, batch: batch, length: length)
        for layer in encoder.layers { h = layer(h, mask: fullMask) }
        return h
    }
}

/// A ``SequenceClassifier`` with trainable virtual tokens (PEFT's prompt tuning for `SEQ_CLS`:
/// `[CLS]` pooling reads the first virtual position). Train the head too with
/// `PromptTuning(alwaysTrain: ["model.classifier"])`.
public final class PromptTunedClassifier: Module {
    /// The virtual tokens.
    public var prompt: PromptEmbedding
    /// The wrapped classifier.
    public var model: SequenceClassifier

    /// Wraps `model` with `virtualTokens` trainable positions, initialised from the embeddings
    /// of the token `ids` when given (repeated to fill), at random otherwise.
    public init(_ model: SequenceClassifier, virtualTokens: Int, initFrom ids: [Int]? = nil, generator: Generator? = nil) {
        let c = model.encoder.config
        prompt = PromptEmbedding(count: virtualTokens, dim: c.dim,
                                 initFrom: ids.map { (model.encoder.embeddings.wordEmbeddings, $0) }, dtype: c.dtype,
                                 generator: generator)
        self.model = model
        super.init()
    }

    /// Class logits `[B, classes]`.
    public func callAsFunction(_ ids: Tensor, tokenTypes: Tensor? = nil, mask: Tensor? = nil) -> Tensor {
        let hidden = PromptTunedEncoder.forward(model.encoder, prompt: prompt, ids: ids, tokenTypes: tokenTypes, mask: mask)
        let pooled: Tensor
        switch model.pooling {
        case .cls: pooled = model.encoder.pooler == nil ? clsPooling(hidden) : model.encoder.pooled(hidden)
        case .mean: pooled = meanPooling(hidden, mask: prompt.extend(mask, value: 1, batch: ids.shape[0], length: ids.shape[1]))
        }
        return model.classifier(model.dropout(pooled))
    }
}

/// A ``GPT`` with trainable virtual tokens in front of every sequence (no KV cache).
public final class PromptTunedGPT: Module {
    /// The virtual tokens.
    public var prompt: PromptEmbedding
    /// The wrapped model.
    public var model: GPT

    /// Wraps `model` with `virtualTokens` trainable positions, initialised from the embeddings
    /// of the token `ids` when given (repeated to fill), at random otherwise.
    public init(_ model: GPT, virtualTokens: Int, initFrom ids: [Int]? = nil, generator: Generator? = nil) {
        let c = model.config
        prompt = PromptEmbedding(count: virtualTokens, dim: c.dim, initFrom: ids.map { (model.tokenEmbedding, $0) },
                                 dtype: c.dtype, generator: generator)
        self.model = model
        super.init()
    }

    /// Logits `[B, L, vocabularySize]` for the real positions only (the virtual ones are
    /// dropped, so targets line up with `ids` as without a prompt).
    public func callAsFunction(_ ids: Tensor, mask: Tensor? = nil) -> Tensor {
        let (batch, length) = (ids.shape[0], ids.shape[1])
        let c = model.config
        let total = prompt.count + length
        var h = prompt.prepend(to: model.tokenEmbedding(ids))
        switch c.positions {
        case .learned:
            precondition(total <= c.maxPositions,
                         "PromptTunedGPT: \(prompt.count) virtual + \(length) tokens exceed maxPositions \(c.maxPositions)")
            h = h + model.positionEmbedding!(Tensor((0..<total).map { Int32($0) }, shape: [total]))
        case .sinusoidal:
            h = h + SinusoidalPositions.table(length: total, dimension: c.dim, dtype: c.dtype)
        case .rotary:
            break
        }
        h = model.embeddingDropout(h)
        let fullMask = prompt.extend(mask, value: 1, batch: batch, length: length)
        for layer in model.layers { h = layer(h, mask: fullMask) }
        h = model.finalNorm(h).slice(axis: 1, prompt.count..<total)
        return model.vocabularyLogits(h)
    }

    /// Mean next-token cross-entropy over the real positions.
    public func loss(_ ids: Tensor, targets: Tensor, mask: Tensor? = nil, ignoreIndex: Int = -100) -> Tensor {
        Tensor.crossEntropy(logits: self(ids, mask: mask), targets: targets, ignoreIndex: ignoreIndex)
    }
}
